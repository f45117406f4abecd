"""How full the store is, and for how long it will last at the current rate.

A Google spreadsheet holds at most 10 million cells, counted over the grid of every tab (rows ×
columns, empty cells too); past that Google refuses every save. At region scale (700 utilities)
the sheet grows by about 230 000 cells a month with the audit, so it fills up in a few years.
``measure`` is the one place that computes the figures shown by ``check`` and on «Обзор».
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from lib.core import fmt

WARN_SHARE = 0.8
RATE_DAYS = 91  # the rate is measured over the last three months of saves


@dataclass(frozen=True)
class Capacity:
    used: int  # cells
    limit: int | None  # None: no limit (the embedded SQLite store)
    per_month: float | None  # cells added per month at the current rate (None: nothing saved lately)

    @property
    def share(self) -> float | None:
        return None if not self.limit else self.used / self.limit

    @property
    def months_left(self) -> float | None:
        if not self.limit or not self.per_month:
            return None
        return max(self.limit - self.used, 0) / self.per_month

    @property
    def warning(self) -> bool:
        return self.share is not None and self.share >= WARN_SHARE

    def lines(self) -> list[str]:
        if self.limit is None:
            return [f"Ячеек с данными: {fmt.number(self.used, 0)}; у встроенной базы ограничения нет."]
        text = (f"Заполнено ячеек: {fmt.number(self.used, 0)} из {fmt.number(self.limit, 0)} "
                f"({fmt.number(100 * self.share, 0)} %).")
        if self.per_month:
            text += f" Рост ≈ {fmt.number(self.per_month, 0)} ячеек в месяц"
            left = self.months_left
            text += f": места хватит примерно на {fmt.number(left, 0)} мес." if left is not None else "."
        else:
            text += " За последние три месяца сохранений не было, скорость роста не измерена."
        return [text]

    def advice(self) -> str | None:
        if not self.warning:
            return None
        return (
            f"Таблица заполнена на {fmt.number(100 * self.share, 0)} %: когда она заполнится, Google перестанет "
            "принимать сохранения. Начните новый год в новой таблице: создайте пустую Google Таблицу, откройте её "
            "сервисному аккаунту с правом «Редактор» и нажмите «Перенести» в «Администрирование» → «Новый год» "
            "(или выполните «python -m lib.cli rollover --to gsheets://КЛЮЧ»). "
            "Открытые данные перенесутся, а эта таблица станет архивом только для чтения."
        )


def measure(
    snapshot,
    *,
    limit: int | None,
    used: int | None = None,
    widths: dict[str, int] | None = None,
    today: dt.date | None = None,
) -> Capacity:
    """``used``: cells counted by the store (a sheet's grid); otherwise rows × columns of every tab
    (the header row included). ``widths``: columns per tab as stored (a sheet's grid width), which is
    what each new row adds. The rate: rows saved in the last three months × their tab's width."""
    today = today or dt.date.today()
    since = pd.Timestamp(today - dt.timedelta(days=RATE_DAYS), tz="UTC")
    data_cells, recent = 0, 0
    for table in snapshot.schema:
        frame = snapshot.all_versions(table.key)
        width = (widths or {}).get(table.key, len(table.columns))
        data_cells += (len(frame) + 1) * width
        stamps = pd.to_datetime(frame["saved_at"], utc=True, format="ISO8601", errors="coerce")
        recent += int((stamps >= since).sum()) * width
    per_month = recent * 30.4375 / RATE_DAYS if recent else None
    return Capacity(used if used is not None else data_cells, limit, per_month)
