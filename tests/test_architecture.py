"""Layout rules that keep the architecture honest."""

import re
from pathlib import Path

from lib.config import PROJECT_ROOT

UI_FILES = [PROJECT_ROOT / "app.py", *sorted((PROJECT_ROOT / "pages").glob("*.py"))]


def test_pages_never_write_around_the_access_rules():
    for path in UI_FILES:
        text = path.read_text()
        assert not re.search(r"\.(save|_write|fill)\(", text), (
            f"{path.name} writes to the store directly: use ui.submit / lib.access.write (rules + audit)"
        )


def test_pages_are_thin():
    for path in UI_FILES:
        lines = [ln for ln in path.read_text().splitlines() if ln.strip() and not ln.strip().startswith("#")]
        assert len(lines) < 160, f"{path.name} has {len(lines)} lines: move logic into lib/"


def test_lib_does_not_import_streamlit_except_the_glue():
    for path in (PROJECT_ROOT / "lib").rglob("*.py"):
        if path.name.startswith("ui"):  # ui.py, ui_*.py: the Streamlit glue
            continue
        assert "import streamlit" not in Path(path).read_text(), f"{path} imports streamlit: keep it testable without"
