"""A pytest plugin (``-p tests.support.compiled`` in pyproject.toml), loaded before any module of the project: the
project's compiled code is kept in ``__pycache__`` even where the environment says not to (``PYTHONDONTWRITEBYTECODE``,
set on this project's CI machine). Without it every test process, every ``streamlit run`` server and every
``python -m lib.cli`` the tests start compiles lib/, pages/ and tests/ from source again — and pytest rewrites the
test modules' asserts again in each process. Compiled files are never committed (.gitignore)."""

from __future__ import annotations

import os
import sys

sys.dont_write_bytecode = False
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # the servers and command lines the tests start keep theirs too
