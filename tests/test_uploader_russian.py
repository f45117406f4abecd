"""Issue 27: what lib/ui/uploader_russian.js makes of Streamlit 1.67's English file uploader texts, run in node (the
function the page runs); the uploader itself in Chromium: tests/e2e/test_uploader_russian.py."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from lib.core.config import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "lib" / "ui" / "uploader_russian.js"
STREAMLIT_JS = Path(__import__("streamlit").__file__).parent / "static" / "static" / "js"


def russian(cases: list[list]) -> list:
    node = shutil.which("node")
    assert node, "node is required (.ci/run installs nodejs)"
    program = f"const {{russian}} = require({json.dumps(str(SCRIPT))});" \
              f"console.log(JSON.stringify({json.dumps(cases)}.map(c => russian(...c))));"
    return json.loads(subprocess.run([node, "-e", program], capture_output=True, text=True, check=True, timeout=60).stdout)


# (English as drawn, inside an uploader, the attribute it is the value of, the uploader's file types) → Russian
CASES = [
    ("Upload", True, None, "", "Выбрать файл"),
    ("Drag and drop a file here", True, None, "", "Перетащите файл сюда"),
    ("Drag and drop files here", True, None, "", "Перетащите файлы сюда"),
    ("12.3KB", True, None, "", "12,3 КБ"),
    ("14.0B", True, None, "", "14,0 Б"),
    ("5.0MB", True, None, "", "5,0 МБ"),
    ("12.3KB", False, None, "", None),  # a size outside an uploader is not the uploader's
    ("Error: ", True, None, "", ""),
    ("application/pdf files are not allowed.", True, None, ".xlsx", "Файл другого типа: здесь принимается только .xlsx."),
    (" files are not allowed.", False, None, "", "Файл такого типа здесь не принимается: нужный формат указан в подписи поля."),
    ("File must be 5.0MB or smaller.", True, None, "", "Файл больше допустимого: можно не больше 5,0 МБ."),
    ("Only one file is allowed.", True, None, "", "Можно выбрать только один файл."),
    ("Unexpected error. Please try again.", True, None, "", "Непредвиденная ошибка. Попробуйте ещё раз."),
    ("add icon", True, None, "", "выбрать другой файл"),
    ("Remove Бланк 2024-12.xlsx", True, "aria-label", "", "Убрать файл Бланк 2024-12.xlsx"),
    ("Бланк 2024-12.xlsx, 4.8KB", True, "aria-label", "", "Бланк 2024-12.xlsx, 4,8 КБ"),
    ("Add files", True, "aria-label", "", "Выбрать другой файл"),
    ("Click to retry upload", True, "title", "", "Нажмите, чтобы загрузить файл снова"),
    ("Remove me.xlsx", True, "title", "", None),  # a title is a file's own name: never rewritten
    ("Загрузить бланк (.xlsx, до 5 МБ)", True, None, "", None),
]


def test_the_uploader_texts_in_russian():
    said = russian([list(case[:4]) for case in CASES])
    assert [(case[0], s) for case, s in zip(CASES, said, strict=True)] == [(case[0], case[4]) for case in CASES]


def test_every_rewritten_text_is_one_streamlit_draws():
    """The English texts rewritten are Streamlit's own, as its frontend has them: a Streamlit whose uploader says
    something else fails here (and its uploader is to be looked at again), instead of quietly turning English."""
    bundle = "".join(p.read_text(encoding="utf-8") for p in STREAMLIT_JS.glob("*.js") if p.name.startswith(("FileUploader.", "utils.")))
    for text in ["`Upload`", "`Drag and drop a file here`", "`Error: `", "files are not allowed.`", "`File must be ", "`Remove ${",
                 "`Cancel upload of ${", "`Add files`", "`file upload`", "`Click to retry upload`", "`Upload failed`",
                 "`${e.toFixed(n)}${t.toUpperCase()}`"]:
        assert text in bundle, text


def test_the_script_survives_the_html_sanitizer():
    """st.html passes the script through DOMPurify, which drops a script whose text looks like markup («<input»)."""
    assert not re.search(r"<[/\w!]", SCRIPT.read_text(encoding="utf-8"))
