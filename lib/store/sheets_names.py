"""Names the Sheets adapter and its set-up share: the developer-metadata keys that mark a tab and an archived
spreadsheet, and a tab's title quoted for A1 notation. Kept apart so ``sheets_setup`` needs nothing of
``sheets_store`` (which calls it for ``bootstrap``): no import cycle."""

from __future__ import annotations

TAB_METADATA = "debt.tab"  # developer metadata on each sheet: which table it holds (survives renames)
ARCHIVED_METADATA = "debt.archived_to"  # on the spreadsheet: the year was rolled over to that key


def a1_tab(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"
