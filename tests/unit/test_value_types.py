"""domain.model.value_type: Message and Content are plain slotted dataclasses at run time (a
frozen dataclass's __init__ costs five times as much, and a history page builds a hundred),
and frozen for the type checker, which refuses any change to one."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

from mypy import api

from openchat.server.domain.model import Content, Message

ROOT = Path(__file__).resolve().parents[2]


def test_they_are_slotted_dataclasses_compared_by_value() -> None:
    moment = datetime.now(UTC)
    message = Message("m", "c", 1, "s", "k", Content(text="hi"), moment)
    assert dataclasses.is_dataclass(message)
    assert not hasattr(message, "__dict__")
    assert message == Message("m", "c", 1, "s", "k", Content(text="hi"), moment)
    assert dataclasses.replace(message, seq=2).seq == 2


def test_the_type_checker_refuses_to_change_one(tmp_path: Path) -> None:
    changing = tmp_path / "changing.py"
    changing.write_text(
        "from datetime import UTC, datetime\n"
        "from openchat.server.domain.model import Content, Message\n"
        'message = Message("m", "c", 1, "s", "k", Content(text="hi"), datetime.now(UTC))\n'
        "message.seq = 2\n"
        'message.content.text = "changed"\n'
    )
    report, _, status = api.run(
        [
            f"--config-file={ROOT / 'pyproject.toml'}",
            "--follow-imports=silent",
            "--no-incremental",
            str(changing),
        ]
    )
    assert status == 1, report
    assert 'Property "seq" defined in "Message" is read-only' in report
    assert 'Property "text" defined in "Content" is read-only' in report
