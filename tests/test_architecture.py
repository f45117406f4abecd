"""Layout rules that keep the architecture honest: read from the code's imports (``ast``), not its text."""

import ast
import re
from collections import Counter
from pathlib import Path

from lib.core.config import PROJECT_ROOT

UI_FILES = [PROJECT_ROOT / "app.py", *sorted((PROJECT_ROOT / "pages").glob("*.py"))]
LIB = PROJECT_ROOT / "lib"
# who may import whom: a package imports only the packages listed for it (and itself)
LAYERS = {
    "core": set(),
    "domain": {"core", "store", "auth"},
    "saving": {"core", "domain", "store", "auth"},
    "auth": {"core", "domain", "store"},
    "store": {"core", "domain"},
    "files": {"core", "domain", "store", "auth"},
    "demo": {"core", "domain", "store"},
    "mail": {"core", "domain", "store", "auth"},
    "ui": {"core", "domain", "saving", "auth", "store", "files", "demo", "mail"},
}


def imported_modules(path: Path) -> set[str]:
    """Every module the file imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


def module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def lib_modules() -> dict[str, Path]:
    return {module_name(p): p for p in LIB.rglob("*.py")}


def test_pages_never_write_around_the_access_rules():
    for path in UI_FILES:
        text = path.read_text()
        assert not re.search(r"\.(save|_write|fill)\(", text), (
            f"{path.name} writes to the store directly: use ui.submit / lib.auth.access.write (rules + audit)"
        )


def test_pages_are_thin():
    for path in UI_FILES:
        lines = [ln for ln in path.read_text().splitlines() if ln.strip() and not ln.strip().startswith("#")]
        assert len(lines) < 160, f"{path.name} has {len(lines)} lines: move logic into lib/"


def test_only_the_ui_package_app_and_pages_import_streamlit():
    for name, path in lib_modules().items():
        if name.startswith("lib.ui"):
            continue
        found = {m for m in imported_modules(path) if m == "streamlit" or m.startswith("streamlit.")}
        assert not found, f"{path} imports {sorted(found)}: Streamlit belongs in lib/ui/, app.py or pages/"


def test_packages_import_only_the_layers_below():
    for name, path in lib_modules().items():
        parts = name.split(".")
        if len(parts) < 3 or parts[1] not in LAYERS:
            continue
        mine = parts[1]
        for imported in imported_modules(path):
            bits = imported.split(".")
            if bits[0] != "lib" or len(bits) < 2 or bits[1] == mine or bits[1] not in LAYERS:
                continue
            assert bits[1] in LAYERS[mine], f"{name} imports {imported}: lib.{mine} may use only {sorted(LAYERS[mine])}"


def test_no_two_modules_share_a_name():
    roots = [LIB, PROJECT_ROOT / "pages", PROJECT_ROOT / "bench"]
    stems = [p.stem for root in roots for p in root.rglob("*.py") if p.stem != "__init__"] + ["app"]
    twice = sorted(n for n, c in Counter(stems).items() if c > 1)
    assert not twice, f"modules of one name in several places: {twice}"


def test_no_import_cycles():
    """Among lib's modules, imports inside functions included: a cycle hidden in a function is still a cycle."""
    modules = lib_modules()
    graph = {}
    for name, path in modules.items():
        targets = set()
        for imported in imported_modules(path):
            while imported and imported not in modules:
                imported = imported.rpartition(".")[0]
            if imported and imported != name and not name.startswith(imported + ".") and imported != "lib":
                targets.add(imported)
        graph[name] = targets
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt):], nxt]
                raise AssertionError("import cycle: " + " → ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_no_test_module_imports_another():
    """What tests share lives in tests/support/ (and fixtures in tests/conftest.py), never in a test module."""
    for path in sorted((PROJECT_ROOT / "tests").rglob("test_*.py")):
        found = sorted(m for m in imported_modules(path) if any(part.startswith("test_") for part in m.split(".")))
        assert not found, f"{path.relative_to(PROJECT_ROOT)} imports {found}: move what it needs to tests/support/"
