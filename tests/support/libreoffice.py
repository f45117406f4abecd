"""LibreOffice as the ministry's and the districts' office machines run it: Russian locale (numbers read
«1 234,5», a CSV splits on «;»), headless; and PDF pages as PNG (poppler) and as word boxes.

Fails, never skips, when LibreOffice or poppler is missing: .ci/run installs both.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SOFFICE = shutil.which("libreoffice") or shutil.which("soffice")
RU_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale" oor:op="fuse"><value>ru-RU</value></prop></item>
</oor:items>
"""
# every sheet to its own CSV, UTF-8 (76), comma-separated, values as LibreOffice shows them
CSV_ALL_SHEETS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
# a CSV read as Russian Excel reads ours: «;» between fields (59), «"» quotes (34), UTF-8 (76)
CSV_RUSSIAN_IN = "CSV:59,34,76,1"


def convert(files: list[Path], target: str, outdir: Path, infilter: str | None = None) -> None:
    """One LibreOffice run for all ``files`` (starting it is the slow part), in a Russian profile."""
    assert SOFFICE, "LibreOffice is required: apt-get install libreoffice-calc-nogui (.ci/run does it)"
    profile = outdir / "lo-profile"
    (profile / "user").mkdir(parents=True, exist_ok=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RU_PROFILE, encoding="utf-8")
    args = [SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless"]
    if infilter:
        args.append(f"--infilter={infilter}")
    subprocess.run([*args, "--convert-to", target, "--outdir", str(outdir), *map(str, files)], check=True, capture_output=True,
                   timeout=240, env={**os.environ, "HOME": str(outdir)})


def to_png(pdf: Path, prefix: Path, dpi: int = 60) -> list[Path]:
    """Every page of ``pdf`` as a PNG (kept as a test artifact, to look at)."""
    assert shutil.which("pdftoppm"), "poppler is required: apt-get install poppler-utils (.ci/run does it)"
    for old in prefix.parent.glob(f"{prefix.name}-*.png"):
        old.unlink()
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(prefix)], check=True, capture_output=True, timeout=120)
    return sorted(prefix.parent.glob(f"{prefix.name}-*.png"))


@dataclass(frozen=True)
class Word:
    page: int
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


@dataclass(frozen=True)
class Page:
    number: int
    width: float
    height: float


def layout(pdf: Path) -> tuple[list[Page], list[Word]]:
    """Pages (size in points) and every word with its box, as poppler reads the PDF."""
    import xml.etree.ElementTree as ET

    assert shutil.which("pdftotext"), "poppler is required: apt-get install poppler-utils (.ci/run does it)"
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True, timeout=120).stdout
    root = ET.fromstring(out.decode("utf-8").replace('xmlns="http://www.w3.org/1999/xhtml"', ""))
    pages, words = [], []
    for n, page in enumerate(root.iter("page"), start=1):
        pages.append(Page(n, float(page.get("width")), float(page.get("height"))))
        for w in page.iter("word"):
            words.append(Word(n, w.text or "", *(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax"))))
    return pages, words


def overlapping(words: list[Word], share: float = 0.25) -> list[tuple[Word, Word]]:
    """Pairs of words printed over each other (their boxes share more than ``share`` of the smaller one):
    the mark of wrapped text running into the row below."""
    found = []
    by_page: dict[int, list[Word]] = {}
    for w in words:
        by_page.setdefault(w.page, []).append(w)
    for page_words in by_page.values():
        page_words.sort(key=lambda w: w.y0)
        for i, a in enumerate(page_words):
            for b in page_words[i + 1:]:
                if b.y0 >= a.y1:
                    break
                dx, dy = min(a.x1, b.x1) - max(a.x0, b.x0), min(a.y1, b.y1) - max(a.y0, b.y0)
                smaller = min((a.x1 - a.x0) * (a.y1 - a.y0), (b.x1 - b.x0) * (b.y1 - b.y0)) or 1
                if dx > 0 and dy > 0 and dx * dy > share * smaller:
                    found.append((a, b))
    return found


def convert_workbook(data: bytes, tmp_path, target: str) -> list:
    """Run LibreOffice headless; returns the files it wrote (one per sheet for CSV)."""
    assert SOFFICE, "LibreOffice is required: apt-get install libreoffice-calc-nogui (.ci/run does it)"
    src = tmp_path / "export.xlsx"
    src.write_bytes(data)
    profile = tmp_path / "lo-profile"
    subprocess.run([SOFFICE, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", target,
                    "--outdir", str(tmp_path), str(src)], check=True, capture_output=True, timeout=180,
                   env={**os.environ, "HOME": str(tmp_path)})
    return sorted(tmp_path.glob(f"export*.{target.split(':')[0]}"))
