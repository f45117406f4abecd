"""How a Google spreadsheet's locale turns typed text into values, and values back into text.

Modelled on Google's documentation of ``ValueInputOption.USER_ENTERED`` ("The values will be
parsed as if the user typed them into the UI. Numbers will stay as numbers, but strings may be
converted to numbers, dates, etc. following the same rules that are applied when entering text
into a cell via the Google Sheets UI"), ``ValueRenderOption`` / ``DateTimeRenderOption``
(https://developers.google.com/sheets/api/reference/rest/v4/ValueRenderOption,
https://developers.google.com/sheets/api/reference/rest/v4/DateTimeRenderOption) and
``SpreadsheetProperties.locale`` ("The locale of the spreadsheet … affects … how dates are
parsed"). Two profiles: ru_RU (decimal comma, day.month.year) and en_US (decimal point,
month/day/year). A cell whose number format is TEXT keeps what was typed as text, which is how
a person's ``007`` keeps its zeros.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

EPOCH = dt.datetime(1899, 12, 30)  # serial number 0 (Lotus 1-2-3 convention, as Sheets)


@dataclass(frozen=True)
class Locale:
    decimal: str
    group: str
    order: str  # "DMY" or "MDY"
    true: str
    false: str
    date_pattern: str
    datetime_pattern: str


LOCALES = {
    "ru_RU": Locale(",", "\u00a0", "DMY", "ИСТИНА", "ЛОЖЬ", "dd.mm.yyyy", "dd.mm.yyyy hh:mm:ss"),
    "en_US": Locale(".", ",", "MDY", "TRUE", "FALSE", "m/d/yyyy", "m/d/yyyy h:mm:ss"),
}


class Formula(str):
    """A cell that the API would treat as a formula (only via USER_ENTERED)."""


class Formatted(float):
    """A number with the format Sheets gave the cell when a person typed it (a date, a percent)."""

    fmt: dict

    def __new__(cls, value: float, fmt: dict):
        obj = super().__new__(cls, value)
        obj.fmt = fmt
        return obj

    def __reduce__(self):  # copies (a batchUpdate's trial run, a cloned spreadsheet) keep the format
        return (Formatted, (float(self), self.fmt))


TEXT = {"type": "TEXT", "pattern": "@"}


def serial(moment: dt.datetime) -> float:
    return (moment - EPOCH).total_seconds() / 86400


def from_serial(value: float) -> dt.datetime:
    return EPOCH + dt.timedelta(days=value)


def effective_format(value, column_format: dict | None) -> dict | None:
    return value.fmt if isinstance(value, Formatted) else column_format


def is_date_format(fmt: dict | None) -> bool:
    return bool(fmt) and fmt.get("type") in ("DATE", "DATE_TIME", "TIME")


# ---- typed input -------------------------------------------------------------


def _number(text: str, loc: Locale) -> float | None:
    s = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    group = " " if loc.group == "\u00a0" else loc.group
    d = re.escape(loc.decimal)
    g = re.escape(group)
    if re.fullmatch(rf"[+-]?(\d{{1,3}}({g}\d{{3}})+|\d+)({d}\d+)?", s):
        return float(s.replace(group, "").replace(loc.decimal, "."))
    if re.fullmatch(rf"[+-]?{d}\d+", s):
        return float(s.replace(loc.decimal, "."))
    return None


def _date(text: str, loc: Locale) -> tuple[dt.datetime, bool] | None:
    s = text.strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", s)
    if m:
        y, mo, d = map(int, m.groups())
        return _safe(y, mo, d), False
    m = re.fullmatch(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?", s)
    if m:
        a, _, b, y, hh, mi, ss = m.groups()
        d, mo = (int(a), int(b)) if loc.order == "DMY" else (int(b), int(a))
        year = int(y) + (2000 if len(y) == 2 else 0)
        moment = _safe(year, mo, d)
        if moment is None:
            return None
        if hh is not None:
            return moment.replace(hour=int(hh), minute=int(mi), second=int(ss or 0)), True
        return moment, False
    if loc.order == "DMY":  # ru_RU reads "03.2024" as March 2024 and "12.5" as 12 May
        m = re.fullmatch(r"(\d{1,2})\.(\d{4})", s)
        if m:
            moment = _safe(int(m[2]), int(m[1]), 1)
            return (moment, False) if moment else None
        m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})", s)
        if m:
            moment = _safe(dt.date.today().year, int(m[2]), int(m[1]))
            return (moment, False) if moment else None
    return None


def _safe(y: int, mo: int, d: int) -> dt.datetime | None:
    try:
        return dt.datetime(y, mo, d)
    except ValueError:
        return None


def user_entered(value, locale: str, column_format: dict | None):
    """What a cell holds after ``value`` was typed into it (or sent with USER_ENTERED)."""
    loc = LOCALES.get(locale, LOCALES["en_US"])  # other locales: modelled as en_US
    if not isinstance(value, str):
        return value
    if column_format and column_format.get("type") == "TEXT":
        return value
    if value.startswith("'"):
        return value[1:]
    if value.startswith("="):
        return Formula(value)
    if value.strip().upper() in (loc.true, loc.false):
        return value.strip().upper() == loc.true
    if value.strip().endswith("%"):
        n = _number(value.strip()[:-1], loc)
        if n is not None:
            decimals = len(value.strip()[:-1].partition(loc.decimal)[2])
            return Formatted(n / 100, {"type": "PERCENT", "pattern": "0" + ("." + "0" * decimals if decimals else "") + "%"})
    n = _number(value, loc)
    if n is not None:
        return n
    found = _date(value, loc)
    if found:
        moment, with_time = found
        pattern = loc.datetime_pattern if with_time else loc.date_pattern
        return Formatted(serial(moment), {"type": "DATE_TIME" if with_time else "DATE", "pattern": pattern})
    return value


# ---- rendering -------------------------------------------------------------------


def _format_date(value: float, pattern: str) -> str:
    moment = from_serial(value + 1e-9)
    tokens = re.findall(r"yyyy|yy|dd|d|hh|h|mm|m|ss|s|[^ydhms]+", pattern)
    out, after_hour = [], False
    for i, tok in enumerate(tokens):
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        nxt2 = tokens[i + 2] if i + 2 < len(tokens) else ""
        if tok in ("mm", "m"):
            minute = after_hour or nxt.startswith("s") or nxt2.startswith("s")
            number = moment.minute if minute else moment.month
            out.append(f"{number:02d}" if tok == "mm" else str(number))
            continue
        after_hour = tok in ("hh", "h") or (after_hour and not tok.isalpha())
        out.append({
            "yyyy": f"{moment.year:04d}", "yy": f"{moment.year % 100:02d}", "dd": f"{moment.day:02d}",
            "d": str(moment.day), "hh": f"{moment.hour:02d}", "h": str(moment.hour), "ss": f"{moment.second:02d}",
            "s": str(moment.second),
        }.get(tok, tok))
    return "".join(out)


def _format_number(value: float, pattern: str | None, loc: Locale) -> str:
    percent = bool(pattern) and pattern.endswith("%")
    if percent:
        value *= 100
        pattern = pattern[:-1]
    if not pattern or pattern in ("General", "0.###############"):
        text = repr(float(value))
        text = text[:-2] if text.endswith(".0") else text
        integer, _, frac = text.partition(".")
        grouped = integer
    else:
        integer_part, _, frac_part = pattern.partition(".")
        low, high = frac_part.count("0"), frac_part.count("0") + frac_part.count("#")
        text = f"{abs(value):.{high}f}"
        integer, _, frac = text.partition(".")
        frac = frac.rstrip("0").ljust(low, "0") if high > low else frac
        if "," in integer_part:
            integer = f"{int(integer):,}".replace(",", "\u0001")
        if value < 0:
            integer = "-" + integer
        grouped = integer.replace("\u0001", loc.group)
    text = grouped + (loc.decimal + frac if frac else "")
    return text + ("%" if percent else "")


def render(value, option: str, datetime_option: str, locale: str, column_format: dict | None):
    """A stored value as the API returns it under ``valueRenderOption`` / ``dateTimeRenderOption``."""
    loc = LOCALES.get(locale, LOCALES["en_US"])  # other locales: modelled as en_US
    if value is None:
        return ""
    if isinstance(value, Formula):
        return str(value) if option == "FORMULA" else "#ERROR!"
    fmt = effective_format(value, column_format)
    if isinstance(value, bool):
        if option == "FORMATTED_VALUE":
            return loc.true if value else loc.false
        return value
    if isinstance(value, (int, float)):
        plain = float(value)
        if option in ("UNFORMATTED_VALUE", "FORMULA"):
            if is_date_format(fmt) and datetime_option == "FORMATTED_STRING":
                return _format_date(plain, fmt["pattern"])
            return int(plain) if plain.is_integer() else plain
        if is_date_format(fmt):
            return _format_date(plain, fmt["pattern"])
        return _format_number(plain, fmt.get("pattern") if fmt and fmt.get("type") != "TEXT" else None, loc)
    return value
