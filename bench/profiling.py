"""py-spy on the server during the measured window, and a text summary of where its time went.

The raw output (collapsed stacks, one `frame;frame;... count` line per distinct stack) opens as
is in speedscope (https://www.speedscope.app) or flamegraph.pl; the summary printed here answers
the usual questions without either: which libraries the samples end in, which functions burn
the most, and how much of the time each of the server's own functions accounts for.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

SAMPLE_RATE = 200
TOP = 20
# "function (path/to/file.py:line)" as py-spy writes a frame.
_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^():]*)(?::\d+)?\)$")


def start_profiler(pid: int, seconds: float, output: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling `pid` for `seconds` into `output` (collapsed stacks)."""
    py_spy = Path(sys.executable).with_name("py-spy")
    command = [
        str(py_spy),
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(max(1, round(seconds))),
        "--rate",
        str(SAMPLE_RATE),
        # Only the thread that holds the GIL: what the server spends, not where it waits (an
        # event loop waiting in epoll and a database thread waiting in C show up otherwise).
        "--gil",
        "--format",
        "raw",
        "--nolineno",
        "--full-filenames",
        "--output",
        str(output),
    ]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def _area(file: str) -> str:
    """The library (or the server module) a source file belongs to."""
    parts = Path(file).with_suffix("").parts
    if "openchat" in parts:
        return ".".join(parts[parts.index("openchat") :])
    if "site-packages" in parts:
        return parts[parts.index("site-packages") + 1]
    return parts[0] if len(parts) == 1 else "/".join(parts[-2:])


def _frames(stack: str) -> list[tuple[str, str]]:
    frames = []
    for frame in stack.split(";"):
        match = _FRAME.match(frame)
        if match:
            frames.append((match["function"], match["file"]))
    return frames


def summarize(collapsed: Path, acked: int, top: int = TOP) -> str:
    """Where the sampled time went, as text. `acked` converts samples to microseconds per send."""
    by_area: Counter[str] = Counter()
    by_leaf: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = _frames(stack)
        if not frames:
            continue
        total += count
        function, file = frames[-1]
        by_area[_area(file)] += count
        by_leaf[f"{function} ({_area(file)})"] += count
        # Each server function once per stack, even when it recurses.
        for name in {f"{f} ({_area(path)})" for f, path in frames if "openchat" in path}:
            inclusive[name] += count
    if not total:
        return "py-spy recorded no samples"
    per_send_us = 1e6 / SAMPLE_RATE / max(acked, 1)

    def table(title: str, counter: Counter[str]) -> list[str]:
        rows = [f"{title}:", "   share  us/send  where"]
        for name, count in counter.most_common(top):
            rows.append(f"  {100 * count / total:5.1f}%  {count * per_send_us:7.1f}  {name}")
        return rows

    lines = [
        f"{total} samples at {SAMPLE_RATE} Hz of the server's thread holding the GIL "
        f"= {total / SAMPLE_RATE:.1f} s, {total * per_send_us:.0f} us per acked send",
        *table("Self time by library or server module", by_area),
        *table("Self time by function", by_leaf),
        *table("Inclusive time of the server's own functions", inclusive),
    ]
    return "\n".join(lines)
