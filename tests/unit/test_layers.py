"""The server's layering (docs/architecture.md), read from its imports: every arrow points
inward. The inner layers (domain/, ports.py, usecases/) import only each other and the
standard library; an adapter imports only the inner layers, its own package, the settings, the
metrics instruments it is handed and the timer-loop helpers; nothing but the composition root
and the edge reaches into the adapters, and the edge reaches the sessions only through their
facade (sessions/hub.py).

Imports are read from the source (every import statement, also those inside functions or
`if TYPE_CHECKING:`), so the rules hold for annotations too.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import openchat.server

SERVER = Path(openchat.server.__file__).parent
PREFIX = "openchat.server"

INNER = ("domain", "ports", "usecases")
ADAPTERS = (
    "auth",
    "directory",
    "events",
    "limits",
    "observability",
    "presence",
    "routing",
    "sessions",
    "storage",
)
# What every adapter may use besides the inner layers and its own package: the settings (read
# at construction), the metric instruments and the send's tracing (built once by the composition
# root and passed in; observability/metrics.py imports nothing of the server,
# observability/tracing.py only the domain's trace headers), the one shape of a timer loop and
# the bounded stop of a loop's task (background/periodic.py imports nothing of the server but
# background/cancellation.py, which imports nothing of it) and failures.py, which tells a
# dependency's outage from a bug for the edge and for the adapters' background work alike (it
# imports nothing of the server).
SHARED = (
    "settings",
    "observability.metrics",
    "observability.tracing",
    "background.periodic",
    "background.cancellation",
    "failures",
)


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SERVER).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for path in sorted(SERVER.rglob("*.py"))
        if "migrations" not in path.parts
    }


def _imports(path: Path) -> Iterator[str]:
    """The absolute names of the modules (or packages) that `path` imports."""
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "__future__":
                continue
            yield node.module
            # `from openchat.server.storage import migrate` imports a module, not a name.
            yield from (f"{node.module}.{alias.name}" for alias in node.names)


def _within(name: str, layers: tuple[str, ...]) -> bool:
    return any(name == layer or name.startswith(f"{layer}.") for layer in layers)


def _server_imports(module: str) -> Iterator[str]:
    """The server modules `module` imports, named relative to openchat.server (only names
    that are modules or packages of the server)."""
    known = _modules()
    for name in _imports(known[module]):
        if name.startswith(f"{PREFIX}."):
            relative = name.removeprefix(f"{PREFIX}.")
            if relative in known or (SERVER / relative.replace(".", "/")).is_dir():
                yield relative


def _top(name: str) -> str:
    return name.split(".", 1)[0]


def test_the_rules_see_every_package() -> None:
    """A new package must be placed in a layer here, or the rules would not look at it."""
    packages = {_top(module) for module in _modules() if "." in module}
    placed = {*INNER, *ADAPTERS, "background", "transport", "settings"}
    assert packages <= placed, f"place {sorted(packages - placed)} in a layer"


@pytest.mark.parametrize("module", [m for m in _modules() if _within(m, INNER)])
def test_inner_layers_import_only_inner_layers_and_the_standard_library(module: str) -> None:
    outward = []
    for name in _imports(_modules()[module]):
        top = name.split(".", 1)[0]
        if name.startswith(f"{PREFIX}."):
            if not _within(name.removeprefix(f"{PREFIX}."), INNER):
                outward.append(name)
        elif top != "openchat" and top not in sys.stdlib_module_names:
            outward.append(name)
    assert not outward, f"{module} imports {sorted(set(outward))}"


def test_the_domain_and_the_ports_do_not_import_use_cases() -> None:
    for module in _modules():
        if _within(module, ("domain", "ports")):
            upward = [name for name in _server_imports(module) if _within(name, ("usecases",))]
            assert not upward, f"{module} imports {upward}"


@pytest.mark.parametrize("module", [m for m in _modules() if _within(m, ADAPTERS)])
def test_adapters_import_no_other_adapter_nor_the_edge(module: str) -> None:
    own = _top(module)
    sideways = [
        name
        for name in _server_imports(module)
        if _top(name) != own and not _within(name, ("domain", "ports", *SHARED))
    ]
    assert not sideways, f"{module} imports {sideways}"


@pytest.mark.parametrize("module", [m for m in _modules() if _within(m, ("background",))])
def test_background_tasks_drive_use_cases_and_ports_not_adapters(module: str) -> None:
    reaching = [
        name
        for name in _server_imports(module)
        if not _within(name, (*INNER, "background", *SHARED))
    ]
    assert not reaching, f"{module} imports {reaching}"


def test_only_the_composition_root_and_the_command_line_import_the_root() -> None:
    for module in _modules():
        if module not in ("app", "commands"):
            assert "app" not in set(_server_imports(module)), f"{module} imports app"


@pytest.mark.parametrize("module", [m for m in _modules() if _within(m, ("settings",))])
def test_the_settings_import_nothing_of_the_server(module: str) -> None:
    """The settings package imports only itself: every layer may read it."""
    outside = [name for name in _server_imports(module) if not _within(name, ("settings",))]
    assert not outside, f"{module} imports {outside}"


@pytest.mark.parametrize("module", [m for m in _modules() if _within(m, ("transport",))])
def test_the_transport_reaches_the_sessions_only_through_their_facade(module: str) -> None:
    """sessions/hub.py is the one door: the registry, the stream, the fan-out and the session
    itself may change shape without the transport noticing."""
    inside = [
        name
        for name in _server_imports(module)
        if _within(name, ("sessions",)) and name != "sessions.hub"
    ]
    assert not inside, f"{module} imports {inside}"


def test_the_parts_of_the_sessions_do_not_import_their_facade() -> None:
    for module in _modules():
        if _within(module, ("sessions",)) and module != "sessions.hub":
            assert "sessions.hub" not in set(_server_imports(module)), f"{module} imports it"
