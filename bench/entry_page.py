"""«Ввод данных» benchmark: ``python -m bench.entry_page [--repeat 3]``.

On the demo district (built once into a temporary SQLite file), per role that files (an executor of a utility and the
coordinator entering for it), in this process:

- **first run**: the page opened at once on a new copy of the demo (a new store, a new snapshot: nothing computed
  before), as a link to the page opens it;
- **rerun**: ``at.run()`` again with nothing changed (a click, a Tab out of a field, a tab switch) — the same
  snapshot, so what depends on the stored data only is reused (``lib.core.memo``) and only what is typed is checked;
- **floor**: the rerun of the same page with every lib function it calls answering from a table of what it returned
  before (the page's Streamlit drawing and the checks of what is typed, nothing computed from the store).

Times are CPU seconds of this process (best of ``--repeat``); ratios are rerun ÷ floor. Printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

LOGINS = {"исполнитель организации (ves)": "ves@lensk.demo", "координатор": "coordinator@lensk.demo"}
PAGE = "pages/entry.py"


def demo_file(folder: Path) -> Path:
    from lib.demo import load_demo
    from lib.store.sqlite_store import SQLiteStore

    path = folder / "demo.sqlite"
    load_demo(SQLiteStore(path))
    store = SQLiteStore(path)
    store.read_all()
    store.typed_copy.wait()  # a server start reads the typed copy
    return path


def fresh_copy(demo: Path, folder: Path, n: int) -> Path:
    from lib.store.frame_cache import FrameCache

    target = folder / f"copy-{n}.sqlite"
    shutil.copy(demo, target)
    if FrameCache(demo).dir.is_dir():
        shutil.copytree(FrameCache(demo).dir, FrameCache(target).dir)
    return target


def cpu(action) -> float:
    start = time.process_time()
    action()
    return time.process_time() - start


def opened(login: str, path: Path):
    from streamlit.testing.v1 import AppTest

    from lib.core.config import PROJECT_ROOT

    os.environ["DEBT_STORE"] = f"sqlite:///{path}"
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=300)
    at.session_state["user_login"] = login
    at.switch_page(PAGE)
    return at


def floor_of(at) -> float:
    """A rerun with the store-derived answers of lib replayed from a table (what a rerun cannot go below)."""
    from lib.domain import monthly, proceedings

    names = ["month_status", "participant", "names", "monthly_form", "structure_form", "claims_form", "plan_form",
             "month_history", "saved_note", "previous_values", "resources_of"]
    saved = {n: getattr(monthly, n) for n in names}
    saved_assignments = proceedings.assignments_of
    table: dict = {}

    def replay(module, name, original):
        def answer(*args, **kw):
            key = (name, tuple(a for a in args[1:] if isinstance(a, (str, int, tuple, frozenset))), tuple(sorted(kw)))
            if key not in table:
                table[key] = original(*args, **kw)
            value = table[key]
            return value.copy() if hasattr(value, "copy") else value
        setattr(module, name, answer)

    for n in names:
        replay(monthly, n, saved[n])
    replay(proceedings, "assignments_of", saved_assignments)
    try:
        at.run()  # fills the table
        return cpu(at.run)
    finally:
        for n, f in saved.items():
            setattr(monthly, n, f)
        proceedings.assignments_of = saved_assignments


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-entry-"))
    demo = demo_file(folder)
    opened(LOGINS["координатор"], fresh_copy(demo, folder, 0)).run()  # imports, once per process
    print("| роль | первый прогон, с | перезапуск, с | пол перезапуска, с | перезапуск ÷ пол |")
    print("|---|---|---|---|---|")
    n = 1
    for role, login in LOGINS.items():
        first, rerun, floor = [], [], []
        for _ in range(args.repeat):
            at = opened(login, fresh_copy(demo, folder, n))
            n += 1
            first.append(cpu(at.run))
            assert not at.exception, [e.value for e in at.exception]
            at.run()
            rerun.append(cpu(at.run))
            floor.append(floor_of(at))
        print(f"| {role} | {min(first):.2f} | {min(rerun):.3f} | {min(floor):.3f} | ×{min(rerun) / min(floor):.2f} |")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
