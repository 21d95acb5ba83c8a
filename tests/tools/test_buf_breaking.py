"""`buf breaking` against the committed baseline (buf.baseline.binpb) bites on breaking edits.

Each test copies the contract to a temporary directory, optionally edits the copy, and runs the
same command as `make lint` against the baseline; the real proto/ is never touched.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "buf.baseline.binpb"
BUF = Path(sys.executable).with_name("buf")  # buf-bin, a dev dependency, beside this Python
MESSAGE_PROTO = Path("proto/openchat/v1/message.proto")


@pytest.fixture
def contract(tmp_path: Path) -> Path:
    """A copy of the contract (buf.yaml and proto/) to edit."""
    shutil.copy(ROOT / "buf.yaml", tmp_path / "buf.yaml")
    shutil.copytree(ROOT / "proto", tmp_path / "proto")
    return tmp_path


def buf_breaking(module: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BUF), "breaking", str(module), "--against", str(BASELINE)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} is not in {path} exactly once"
    path.write_text(text.replace(old, new))


def test_the_unchanged_contract_passes(contract: Path) -> None:
    result = buf_breaking(contract)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_compatible_addition_passes(contract: Path) -> None:
    edit(
        contract / MESSAGE_PROTO,
        "  string reply_to_message_id = 7;\n",
        "  string reply_to_message_id = 7;\n  // A new field.\n  string thread_id = 8;\n",
    )
    result = buf_breaking(contract)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("old", "new", "complaint"),
    [
        pytest.param(
            "  int64 seq = 3;\n  // The user who sent",
            "  int64 seq = 30;\n  // The user who sent",
            r'present field "3" with name "seq" on message "Message" was deleted',
            id="field-number",
        ),
        pytest.param(
            "  int64 seq = 3;\n  // The user who sent",
            "  string seq = 3;\n  // The user who sent",
            r'Field "3" with name "seq" on message "Message" changed type from "int64" to "string"',
            id="field-type",
        ),
        pytest.param(
            "  string client_msg_id = 5;",
            "  string client_message_id = 5;",
            r'Field "5" on message "Message" changed name from "client_msg_id"',
            id="field-name",
        ),
    ],
)
def test_a_breaking_edit_fails(contract: Path, old: str, new: str, complaint: str) -> None:
    edit(contract / MESSAGE_PROTO, old, new)
    result = buf_breaking(contract)
    assert result.returncode != 0, "buf breaking accepted a breaking change"
    assert re.search(complaint, result.stdout), result.stdout + result.stderr
