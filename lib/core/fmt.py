"""Russian number and date formatting: 1 234,5; 95,3 %; март 2024, с января 2024; 05.04.2024 10:00 (district time)."""

from __future__ import annotations

import datetime as dt
import math
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    from lib.core.schema import Column

NBSP = "\u00a0"  # thousands separator that never breaks a number across lines
MINUS = "\u2212"
MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь",
          "октябрь", "ноябрь", "декабрь")
# Month names in the cases the product's phrases need. The accusative of a month is its nominative
# («за январь»); the genitive follows «с», «на конец», «до»; the dative «к»; the prepositional «в».
MONTH_CASES = {
    "nom": MONTHS,
    "gen": ("января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
            "ноября", "декабря"),
    "dat": ("январю", "февралю", "марту", "апрелю", "маю", "июню", "июлю", "августу", "сентябрю", "октябрю",
            "ноябрю", "декабрю"),
    "prep": ("январе", "феврале", "марте", "апреле", "мае", "июне", "июле", "августе", "сентябре", "октябре",
             "ноябре", "декабре"),
    "ins": ("январём", "февралём", "мартом", "апрелем", "маем", "июнем", "июлем", "августом", "сентябрём",
            "октябрём", "ноябрём", "декабрём"),
}
MONTH_CASES["acc"] = MONTHS


def number(x, decimals: int = 1) -> str:
    """1234.56 -> '1 234,6'; a negative number with a true minus (U+2212); None/NaN -> '—'.

    A Python number is done here, with the same arithmetic as ``numbers`` (a one-cell Series costs ≈ 250 µs,
    and an audit log of tens of thousands of entries reads several figures per entry); anything else —
    a numpy integer, a numeric text — goes through ``numbers``."""
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        import numpy as np

        value = float(x)
        if not math.isfinite(value):
            return "—"
        magnitude = float(np.round(abs(value), 9)) * 10.0**decimals
        steps = math.floor(magnitude + 0.5 + magnitude * 1e-13)
        return _digits(steps // 10**decimals, steps % 10**decimals, value < 0 and steps != 0, decimals)
    return numbers([x], decimals)[0]


def _digits(whole: int, part: int, minus: bool, decimals: int) -> str:
    text = f"{whole:,}".replace(",", NBSP) + (f",{part:0{decimals}d}" if decimals else "")
    return MINUS + text if minus else text


def numbers(values, decimals: int = 1, empty: str = "—") -> list[str]:
    """Many numbers at once, as ``number`` shows each: a table column of 50 000 cells in a few tens of ms.

    Half-up on the decimal value, as a person or a calculator rounds: 95,05 -> 95,1, 2,675 -> 2,68.
    The value is first rounded to 9 places (binary noise: 950,5 / 1 000 × 100 = 95,04999…); the tiny
    relative nudge before the floor absorbs what noise the scaling leaves, and is far below 9 places.
    """
    import numpy as np
    import pandas as pd

    x = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
    missing = ~np.isfinite(x)
    magnitude = np.round(np.abs(np.where(missing, 0.0, x)), 9) * 10.0**decimals
    steps = np.floor(magnitude + 0.5 + magnitude * 1e-13).astype("int64")
    unit = 10**decimals
    negative = (x < 0) & (steps != 0)  # no «minus zero»
    out = []
    for whole, part, minus, gone in zip((steps // unit).tolist(), (steps % unit).tolist(), negative.tolist(), missing.tolist()):
        if gone:
            out.append(empty)
            continue
        out.append(_digits(whole, part, minus, decimals))
    return out


def money(x, decimals: int = 1) -> str:
    """Thousand rubles as shown everywhere: one decimal by default."""
    return number(x, decimals)


def exact(x, decimals: int = 3) -> str:
    """Thousand rubles in a message about a typed figure, as the entry grid shows it: to the ruble (three
    decimals, rounded half-up, so a computed sum's binary noise never shows), without trailing zeros —
    1234.5 -> «1 234,5», 2000 -> «2 000», 0.125 -> «0,125» (the grid's «1 234,5» is not «1 234,500»)."""
    text = number(x, decimals)
    return text.rstrip("0").rstrip(",") if "," in text else text


FIGURES = ("money", "integer", "number", "percent")  # the schema's types that hold a figure


def figure(x, kind: str = "number") -> str:
    """A stored figure of a field as the forms and tables show it, in a message or the audit's «было →
    стало»: thousand rubles to the ruble without trailing zeros (``exact``: 40000 -> «40 000», 45500.5 ->
    «45 500,5», 0.125 -> «0,125»), a count whole («1 234»), any other number (``number``, ``percent``) with
    every stored digit, as «Данные и история» shows it (0.125 -> «0,125», never rounded to «0,13»); a true
    minus; None/NaN -> «—». A text (what was typed and not understood as a number) is shown as it is."""
    from lib.core.parsing import is_empty, number_text  # lazy: parsing loads pandas

    if isinstance(x, str):
        return x
    if is_empty(x):  # None, NaN, pandas' NA
        return "—"
    if kind == "money":
        return exact(x)
    if kind == "integer":
        return number(x, 0)
    return MINUS + number_text(-x) if x < 0 else number_text(x)  # every stored digit, as the forms show it


def apart(a, b) -> tuple[str, str]:
    """Two sums of thousands of rubles compared in a sentence: one decimal, as everywhere, unless they
    would then read the same («2 790,4 ≠ 2 790,4») — then to the ruble, as the grid shows them."""
    first, second = money(a), money(b)
    return (exact(a), exact(b)) if first == second else (first, second)


def percent(x, decimals: int = 1) -> str:
    return "—" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{number(x, decimals)}{NBSP}%"


def month_name(number: int, case: str = "nom") -> str:
    """3 -> 'март'; case: nom, gen ('марта'), dat ('марту'), acc ('март'), ins ('мартом'), prep ('марте')."""
    return MONTH_CASES[case][number - 1]


def month_label(month: str, case: str = "nom") -> str:
    """'2024-03' -> 'март 2024'; ``case="gen"`` -> 'марта 2024' («с марта 2024»), "dat" -> «к марту 2024»,
    "prep" -> «в марте 2024»."""
    return f"{month_name(int(month[5:7]), case)} {month[:4]}"


def sentence(text: str) -> str:
    """End a phrase with one full stop: a label that already ends in one («4 квартал 2024 г.») gets no second."""
    text = text.rstrip()
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def date_ru(value) -> str:
    import pandas as pd

    if value is None or (not isinstance(value, (dt.date, dt.datetime)) and pd.isna(value)) or value is pd.NaT:
        return ""
    if hasattr(value, "date") and not isinstance(value, dt.date):
        value = value.date()
    if isinstance(value, dt.datetime):
        value = value.date()
    return value.strftime("%d.%m.%Y")


# ---- the district's time --------------------------------------------------------------
# Moments are stored in UTC; people read them, and deadlines are judged, in the district's own time
# zone (setting «time_zone», an IANA name). Rules that decide something (on time / late) take the zone
# from the settings explicitly; display helpers default to the zone of the district whose settings
# were read last (``lib.domain.settings.read_settings`` calls ``use_zone``): one process serves one store.
DEFAULT_ZONE = "Asia/Yakutsk"
_zone = ZoneInfo(DEFAULT_ZONE)


def zone_of(name: str) -> ZoneInfo:
    """An IANA zone by name; ValueError with a Russian reason when there is no such zone."""
    try:
        return ZoneInfo(str(name).strip())
    except (ValueError, KeyError, OSError) as err:  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(f"«{name}» — не часовой пояс; укажите название из базы IANA, например Asia/Yakutsk, "
                         "Europe/Moscow, Asia/Yekaterinburg") from err


def use_zone(name: str) -> None:
    global _zone
    _zone = zone_of(name)


def district_zone() -> ZoneInfo:
    return _zone


def local_moment(iso: str, zone: ZoneInfo | str | None = None) -> dt.datetime:
    """A stored UTC ISO moment in the district's time."""
    tz = zone_of(zone) if isinstance(zone, str) else (zone or _zone)
    return dt.datetime.fromisoformat(iso).astimezone(tz)


def moment_ru(iso: str | None, zone: ZoneInfo | str | None = None) -> str:
    """Stored UTC ISO moment -> '05.04.2024 10:00' in the district's time (the zone given, else the district's)."""
    if not iso:
        return ""
    return local_moment(iso, zone).strftime("%d.%m.%Y %H:%M")


def delta(x, decimals: int = 1, unit: str = "") -> str:
    """A signed change for a metric tile, «+75,3» or «−6 714,3» (a true minus, as everywhere else): the
    tile is told its direction separately (``direction``), Streamlit guesses it only from an ASCII «-»."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "—"
    text = number(x, decimals)
    return f"{'+' if direction(x, decimals) == 'up' else ''}{text}{unit}"


def direction(x, decimals: int = 1) -> str:
    """'up', 'down' or 'off' (zero as shown, or no value): where a tile's arrow points."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "off"
    if number(abs(x), decimals).strip("0,\u00a0") == "":
        return "off"
    return "down" if x < 0 else "up"


def shown(column: Column, value) -> str:
    """A stored value as every message about it shows it (the audit log, «было → стало», edit conflicts, values
    typed over the shared sheet): labels, figures as the forms show them (``figure``), dates ДД.ММ.ГГГГ, «—» for
    nothing, never a secret."""
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if column.secret:
        return "•••"
    if column.type == "enum":
        return column.labels.get(value, str(value))
    if column.type == "bool":
        return "да" if value else "нет"
    if column.type in FIGURES:  # as the forms show them: «40 000», «45 500,5», never «40,000»
        return figure(value, column.type)
    if column.type == "date":
        return date_ru(value)
    return str(value)


def shown_cell(raw: object, column: Column) -> str:
    """A cell as a message shows it: parsed by its column and shown as every stored value is (``shown``); one that
    does not parse (typed by hand in the shared sheet), as it was typed."""
    from lib.core.parsing import ParseError, is_empty, parse_value, text_of  # lazy: parsing loads pandas

    if is_empty(raw):
        return shown(column, None)
    try:
        return shown(column, parse_value(raw, column))
    except ParseError:
        return text_of(raw)
