"""Russian number and date formatting: 1 234,5; 95,3 %; март 2024; 05.04.2024."""

from __future__ import annotations

import datetime as dt
import math
from decimal import ROUND_HALF_UP, Decimal

NBSP = "\u00a0"  # thousands separator that never breaks a number across lines
MINUS = "\u2212"
MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
          "октябрь", "ноябрь", "декабрь")


def number(x, decimals: int = 1) -> str:
    """1234.56 -> '1 234,6'; None/NaN -> '—'."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    try:
        import pandas as pd

        if x is pd.NA:
            return "—"
    except ImportError:  # pragma: no cover
        pass
    # Half-up on the decimal value, as a person or a calculator rounds: 95,05 -> 95,1. Rounding the
    # float first to 9 places removes binary noise (950,5 / 1 000 × 100 = 95,04999…).
    exact = Decimal(repr(round(float(x), 9))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{abs(exact):,.{decimals}f}".replace(",", NBSP).replace(".", ",")
    negative = exact < 0 and text.strip("0,\u00a0") != ""
    return (MINUS if negative else "") + text


def money(x, decimals: int = 1) -> str:
    """Thousand rubles as shown everywhere: one decimal by default."""
    return number(x, decimals)


def percent(x, decimals: int = 1) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{number(x, decimals)}{NBSP}%"


def month_label(month: str) -> str:
    """'2024-03' -> 'март 2024'."""
    return f"{MONTHS[int(month[5:7]) - 1]} {month[:4]}"


def date_ru(value) -> str:
    import pandas as pd

    if value is None or (not isinstance(value, (dt.date, dt.datetime)) and pd.isna(value)) or value is pd.NaT:
        return ""
    if hasattr(value, "date") and not isinstance(value, dt.date):
        value = value.date()
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.strftime("%d.%m.%Y")


def moment_ru(iso: str | None, tz_hours: int = 9) -> str:
    """Stored UTC ISO moment -> local '05.04.2024 10:00' (Yakutsk time by default)."""
    if not iso:
        return ""
    moment = dt.datetime.fromisoformat(iso).astimezone(dt.timezone(dt.timedelta(hours=tz_hours)))
    return moment.strftime("%d.%m.%Y %H:%M")


def delta(x, decimals: int = 1, unit: str = "") -> str:
    """A signed change for a metric tile: an ASCII sign first, so the tile knows the direction."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    text = number(abs(x), decimals)
    sign = "" if text.strip("0,\u00a0") == "" else ("-" if x < 0 else "+")
    return f"{sign}{text}{unit}"
