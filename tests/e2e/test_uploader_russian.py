"""Issue 27 in Debian Chromium at 800 px, ru-RU and en-US browsers: the Excel upload on «Ввод данных» shows no
Latin-alphabet word — empty, while a file is dragged over it, with a refused file type (and why it was refused), and
with a chosen file (its size «4,8 КБ», its whole name). Streamlit 1.67's uploader is English whatever the browser's
language; lib/ui/uploader_russian.js rewrites it (its texts: tests/test_uploader_russian.py)."""

from __future__ import annotations

import re

import pytest

from tests.support.browser import ARTIFACTS, idle, signed_in_page

SHOTS = ARTIFACTS / "russian"
LATIN = re.compile(r"(?<![\w.])[A-Za-z]{2,}")  # a word; «.xlsx» in the field's label is a file type, not a word
REFUSED = "Отчёт за декабрь.pdf"
CHOSEN = "Бланк отчёта ООО «Восточные энергетические сети» 2024-12.xlsx"

# what the uploader says: every text node drawn (Material icons are drawn from their English names, «upload»,
# by the icon font: not words), hidden ones left out; the screen reader's labels and the hover titles; the hover tooltip
SAYS = """() => {
  const u = [...document.querySelectorAll("[data-testid='stFileUploader']")].find(e => e.getBoundingClientRect().width > 0);
  const texts = [];
  const walker = document.createTreeWalker(u, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const e = n.parentElement;
    if (!n.nodeValue.trim() || e.closest("[data-testid='stIconMaterial']") || !e.checkVisibility({visibilityProperty: true})) continue;
    texts.push(n.nodeValue.trim());
  }
  const labels = [...u.querySelectorAll("[aria-label], [title]")]
    .flatMap(e => [e.getAttribute("aria-label"), e.getAttribute("title")]).filter(Boolean);
  const tips = [...document.querySelectorAll("[data-baseweb='tooltip']")].map(t => t.innerText.trim()).filter(Boolean);
  return {texts, labels, tips, size: u.querySelector("[data-testid='stFileChipName']")?.nextElementSibling?.innerText || null,
          name: u.querySelector("[data-testid='stFileChipName']")?.innerText || null};
}"""


def latin_words(said: dict, file_name: str | None = None) -> list[str]:
    """Latin-alphabet words in what the uploader says, the chosen file's own name left out."""
    words = []
    for text in [*said["texts"], *said["labels"], *said["tips"]]:
        if file_name:
            text = text.replace(file_name, "")
        words += LATIN.findall(text)
    return sorted(set(words))


def choose(page, path) -> None:
    """The file picked in the system dialog the «Выбрать файл» button opens."""
    with page.expect_file_chooser() as chooser:
        page.locator("[data-testid='stFileUploader']").filter(visible=True).get_by_role("button", name="Выбрать файл").click()
    chooser.value.set_files(str(path))


@pytest.mark.timeout(600)
@pytest.mark.parametrize("locale", ["ru-RU", "en-US"])
def test_the_excel_upload_speaks_russian_empty_dragged_over_refused_and_chosen(reading_server, chromium, tmp_path, locale):
    import openpyxl

    refused, chosen = tmp_path / REFUSED, tmp_path / CHOSEN
    refused.write_bytes(b"%PDF-1.4 not a workbook")
    openpyxl.Workbook().save(chosen)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = signed_in_page(chromium, reading_server, "ves@lensk.demo", locale=locale, viewport={"width": 800, "height": 1400})
    try:
        page.goto(reading_server + "/entry?month=2024-12")
        page.get_by_role("tab", name="Excel без интернета").click()
        uploader = page.locator("[data-testid='stFileUploader']").filter(visible=True)
        uploader.wait_for(timeout=60000)
        idle(page)

        said = page.evaluate(SAYS)
        assert "Выбрать файл" in said["texts"], said
        assert latin_words(said) == [], said

        # a file dragged over the field: the overlay's words
        drag = page.evaluate_handle("""() => { const d = new DataTransfer();
          d.items.add(new File(["x"], "Бланк.xlsx", {type: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"})); return d; }""")
        zone = "[data-testid='stFileUploader'] [data-testid='stFileUploaderDropzone']"
        page.dispatch_event(zone, "dragenter", {"dataTransfer": drag})
        page.get_by_text("Перетащите файл сюда").wait_for(timeout=10000)
        said = page.evaluate(SAYS)
        assert latin_words(said) == [], said
        page.dispatch_event(zone, "dragleave", {"dataTransfer": drag})

        # a file of another type: refused in the browser, and said why, in Russian, on the page itself
        choose(page, refused)
        page.get_by_text("Файл другого типа: здесь принимается только .xlsx.").wait_for(timeout=20000)
        uploader.locator("[data-testid='stFileChip']").hover()
        page.wait_for_timeout(500)
        said = page.evaluate(SAYS)
        page.screenshot(path=str(SHOTS / f"{locale}-upload-refused-800.png"))
        assert latin_words(said, REFUSED) == [], said
        assert said["size"] == f"{refused.stat().st_size},0 Б", said
        assert f"Убрать файл {REFUSED}" in said["labels"], said
        uploader.get_by_role("button", name=f"Убрать файл {REFUSED}").click()

        # a workbook: its whole name, its size as Russian documents write it
        choose(page, chosen)
        uploader.locator("[data-testid='stFileChipName']").wait_for(timeout=20000)
        idle(page)
        said = page.evaluate(SAYS)
        page.screenshot(path=str(SHOTS / f"{locale}-upload-chosen-800.png"))
        assert latin_words(said, CHOSEN) == [], said
        assert said["name"] == CHOSEN, said
        # Streamlit's own figure, one decimal: 1000 bytes a kilobyte (1024 in a browser on Windows, as Explorer counts)
        kilobytes = f"{chosen.stat().st_size / 1000:.1f}".replace(".", ",")
        assert said["size"] == f"{kilobytes} КБ", said
        assert not page.errors, page.errors
    finally:
        page.context.close()
