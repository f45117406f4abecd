"""Lenient parsing of one cell into its canonical Python value.

Cells arrive from three places: values typed by hand into the Google Sheet
(``1 234,5`` with non-breaking spaces, ``март 2024``, ``да``), values read from
SQLite or written by the app (already canonical), and Excel uploads. All go
through ``parse_value`` so one set of rules decides what a cell means. A cell
that cannot be understood raises ``ParseError`` with a Russian reason; callers
report it with tab, row and column and never replace it with zero.

Canonical values: text/ref/refs/enum/month/period/datetime -> ``str``,
integer -> ``int``, number/money/percent -> ``float``, date -> ``datetime.date``,
bool -> ``bool``; an empty cell -> ``None``.
"""

from __future__ import annotations

import datetime as dt
import math
import numbers
import re
from decimal import Decimal

import numpy as np
import pandas as pd

from lib.core.schema import MONEY_DECIMALS, Column


class ParseError(ValueError):
    """The cell cannot be understood; ``str(err)`` is the Russian reason."""


SHEETS_EPOCH = dt.date(1899, 12, 30)  # day 0 of spreadsheet date serial numbers
_MONTH_WORDS = (
    ("янв", 1), ("фев", 2), ("мар", 3), ("апр", 4), ("май", 5), ("мая", 5), ("июн", 6),
    ("июл", 7), ("авг", 8), ("сен", 9), ("окт", 10), ("ноя", 11), ("дек", 12),
)
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_TRUE = {"да", "д", "true", "истина", "1", "yes", "y", "+", "x", "х", "✓", "✔", "v"}
_FALSE = {"нет", "н", "false", "ложь", "0", "no", "n", "-", "−"}


def is_empty(raw: object) -> bool:
    """None, blank text, or pandas' missing markers (NaN float, NA, NaT) — not the text "NaN"."""
    if raw is None:
        return True
    kind = type(raw)  # dispatch on the exact type first: this runs for every cell of a tab
    if kind is str:
        return not raw.strip()
    if kind is float:
        return raw != raw
    if kind is int or kind is bool:
        return False
    if isinstance(raw, float):
        return math.isnan(raw)
    return raw is pd.NA or raw is pd.NaT


def fmt_limit(x: float) -> str:
    """Russian rendering of a bound in messages: 100 000 000, 0,5."""
    text = f"{x:,.3f}".rstrip("0").rstrip(".")
    return text.replace(",", "\u00a0").replace(".", ",")


# ---- numbers -------------------------------------------------------------
#
# One reading of a typed number for every path (the app's text cells, the Excel blank, an
# Annex 4 form, a cell typed into the Google Sheet). It accepts what a Russian accountant types
# or pastes from Excel — «1 234,5» with a space, U+00A0 or U+202F between thousands, «1234,5»,
# «1234.5», a leading minus (also «−») — and refuses, with a Russian reason, anything that can be
# read two ways or would not be stored exactly. The README table «Ввод чисел» lists the cases.

# thousands separators a person or Excel puts between digit groups: spaces of every width. Not a tab or a
# line break: «12<Tab>345» is two cells pasted into one field, not 12 345.
_GROUP_SPACES = " \u00a0\u202f\u2009\u2007\u2008\u200a"
_APOSTROPHES = "'’"
_MINUSES = "-\u2212\u2013"  # hyphen-minus, minus sign, en dash (Word turns «-5» into «–5»)
_NUMBER_CHARS = re.compile(rf"[0-9.,{_GROUP_SPACES}{_APOSTROPHES}]+")
_NOT_FINITE = {"nan", "inf", "infinity", "бесконечность", "∞"}
MAX_DIGITS = 20  # 100 000 000 thousand rubles to the ruble is 12 digits; more is not a figure


def _quoted(text: str) -> str:
    shown = text.strip()
    return f"«{shown[:40]}…»" if len(shown) > 40 else f"«{shown}»"


def _group_kind(ch: str) -> str:
    return "space" if ch in _GROUP_SPACES else "'" if ch in _APOSTROPHES else ch


def _check_groups(integer: str, text: str) -> str:
    """Digits of the integer part; thousands separators must cut it into groups of exactly three."""
    parts = re.split(rf"[{_GROUP_SPACES}]+|[{_APOSTROPHES}.,]", integer)
    kinds = {_group_kind(ch) for ch in integer if not ch.isdigit()}
    if len(kinds) > 1:
        raise ParseError(f"{_quoted(text)} — разряды разделены по-разному; введите, например, 1 234 567,5")
    if len(parts) > 1 and (not 1 <= len(parts[0]) <= 3 or any(len(p) != 3 for p in parts[1:])):
        raise ParseError(f"{_quoted(text)} — неверно разделены разряды: между разделителями должно быть "
                         "ровно 3 цифры (1 234 567,5); проверьте, не потеряна ли цифра")
    return "".join(parts)


def parse_number_text(text: str) -> tuple[float, int]:
    """``'1 234,5'`` -> (1234.5, 1): the value and the decimals typed (trailing zeros not counted).

    The decimal separator is a comma or a dot. With both, the last one is decimal and the other
    groups thousands (``1.234,5``, ``1,234.5``); a separator typed several times groups thousands
    (``1.234.567``). A single separator is always the decimal one: ``1,234`` is 1,234 thousand
    rubles, as in Russian. Exponents (``1e5``, ``1,2E+08`` — how Excel shows a rounded number in
    a narrow column) are refused, and so is any number a double cannot hold exactly.
    """
    s = text.strip()
    if s.lower().lstrip("+-\u2212") in _NOT_FINITE:
        raise ParseError("NaN и бесконечность не допускаются")
    negative = False
    if s[:1] in _MINUSES or s[:1] == "+":
        negative = s[0] != "+"
        s = s[1:].lstrip(_GROUP_SPACES)
    if re.fullmatch(r"[0-9.,]+[eEеЕ][+-]?[0-9]+", s.replace(" ", "")):
        raise ParseError(f"{_quoted(text)} — запись с порядком (E) не принимается: так Excel показывает "
                         "округлённое число в узком столбце; введите число полностью, например 150 000")
    if not s or not _NUMBER_CHARS.fullmatch(s) or not any(ch.isdigit() for ch in s):
        units = re.search(r"[а-яёa-z]", s.lower()) and re.search(r"\d", s)
        raise ParseError(f"{_quoted(text)} — не число" + (" (введите только число, без единиц и слов)" if units else ""))
    commas, dots = s.count(","), s.count(".")
    if commas and dots:
        decimal = "," if s.rfind(",") > s.rfind(".") else "."
        if s.count(decimal) > 1:
            raise ParseError(f"{_quoted(text)} — непонятно, где дробная часть: несколько «{decimal}»")
    elif commas == 1 or dots == 1:
        decimal = "," if commas else "."
    else:
        decimal = None  # no separator, or one typed several times: it groups thousands
    integer, _, fraction = s.rpartition(decimal) if decimal else (s, "", "")
    if decimal == "." and not commas and len(fraction) == 3 and integer.isdigit() and len(integer) <= 3 and integer != "0":
        # «12.345»: 12,345 with a decimal dot, or 12 345 with a thousands dot — a ×1000 question
        raise ParseError(f"{_quoted(text)} — можно прочитать двояко ({integer},{fraction} или {integer} {fraction}): "
                         f"введите с запятой ({integer},{fraction}) или без точки ({integer}{fraction})")
    if fraction and not fraction.isdigit():
        raise ParseError(f"{_quoted(text)} — в дробной части только цифры (1 234,56)")
    digits = _check_groups(integer, text) if integer else ""
    if len(digits.lstrip("0")) + len(fraction) > MAX_DIGITS:
        raise ParseError(f"{_quoted(text)} — слишком много цифр ({len(digits) + len(fraction)}): это не сумма и не количество")
    fraction = fraction.rstrip("0")
    canonical = f"{'-' if negative else ''}{digits or '0'}{'.' + fraction if fraction else ''}"
    value = float(canonical)
    if Decimal(canonical) != Decimal(repr(value)):
        raise ParseError(f"{_quoted(text)} — слишком много значащих цифр: число нельзя сохранить точно")
    return value, len(fraction)


def number_text(value) -> str:
    """A stored number as a person edits it: Russian format, every stored digit kept
    (1234.5 -> «1 234,5», 0.125 -> «0,125», 12 -> «12»), so an untouched cell parses back to
    exactly the stored value. Empty -> ""."""
    if is_empty(value):
        return ""
    exact = Decimal(repr(float(value))).normalize() if not isinstance(value, int) else Decimal(value)
    text = f"{abs(exact):,f}"
    integer, _, fraction = text.partition(".")
    sign = "-" if exact < 0 else ""
    return sign + integer.replace(",", "\u00a0") + ("," + fraction if fraction else "")


def _too_many_decimals(value: float, decimals: int) -> bool:
    if abs(value) >= 1e15:
        return False  # no float that large has a fractional part; the bounds refuse it
    scaled = value * 10**decimals
    tolerance = max(1e-6, abs(scaled) * 4e-15)  # a few float ulps, not a 4th decimal
    return abs(scaled - round(scaled)) > tolerance


def parse_number(raw: object, column: Column) -> float | int | None:
    if is_empty(raw):
        return None
    if isinstance(raw, (bool, np.bool_)):
        raise ParseError("ожидается число, а не «да/нет» (флажок)")
    typed_decimals = None
    if isinstance(raw, numbers.Real):
        try:
            value = float(raw)
        except OverflowError:
            raise ParseError("число слишком большое — проверьте единицы") from None
        if math.isnan(value) or math.isinf(value):
            raise ParseError("NaN и бесконечность не допускаются")
    elif isinstance(raw, str):
        text = raw
        if column.type == "percent" and text.rstrip().endswith("%"):
            text = text.rstrip()[:-1]  # «5 %» typed into a percentage
        value, typed_decimals = parse_number_text(text)
    else:
        raise ParseError(f"ожидается число, получено {type(raw).__name__}")
    if column.min is not None and value < column.min:
        raise ParseError(
            "не может быть отрицательным" if column.min == 0 else f"меньше {fmt_limit(column.min)}"
        )
    if column.max is not None and value > column.max:
        raise ParseError(f"больше {fmt_limit(column.max)} — проверьте единицы (тыс. руб.)"
                         if column.type == "money" else f"больше {fmt_limit(column.max)}")
    if column.type == "integer":
        if value != int(value):
            raise ParseError("количество должно быть целым числом")
    elif column.type == "money":
        too_many = (
            typed_decimals > MONEY_DECIMALS
            if typed_decimals is not None
            else _too_many_decimals(value, MONEY_DECIMALS)
        )
        if too_many:
            raise ParseError("не больше 3 знаков после запятой (точность — рубль)")
    if column.type == "integer":
        return int(value)
    if column.type == "money":
        return round(value, MONEY_DECIMALS)
    return value


# ---- dates and months ---------------------------------------------------


SERIAL_RANGE = (36526, 73051)  # 2000-01-01 … 2100-01-01: a number outside is not a date someone meant


def _from_serial(raw: float) -> dt.date:
    if not SERIAL_RANGE[0] <= raw < SERIAL_RANGE[1]:
        raise ParseError(f"{raw} — не дата (введите дату как ДД.ММ.ГГГГ)")
    return SHEETS_EPOCH + dt.timedelta(days=int(raw))


def parse_date(raw: object) -> dt.date | None:
    if is_empty(raw):
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, bool):
        raise ParseError("ожидается дата")
    if isinstance(raw, (int, float)):
        return _from_serial(raw)
    s = str(raw).strip()
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?", s)
    if m:
        y, mo, d = map(int, m.groups())
    else:
        m = re.fullmatch(r"(\d{1,2})[./](\d{1,2})[./](\d{2}|\d{4})(?:\s*г?\.?)?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?", s)
        if not m:
            raise ParseError(f"«{s[:40]}» — не дата (ожидается ДД.ММ.ГГГГ)")
        d, mo, y = map(int, m.groups())
        if y < 100:
            y += 2000
    try:
        return dt.date(y, mo, d)
    except ValueError:
        raise ParseError(f"«{s[:40]}» — такой даты нет") from None


def _month_str(year: int, month: int, text: str) -> str:
    if not (1 <= month <= 12 and 1900 <= year <= 2200):
        raise ParseError(f"«{text[:40]}» — не месяц")
    return f"{year:04d}-{month:02d}"


def parse_month(raw: object) -> str | None:
    if is_empty(raw):
        return None
    if isinstance(raw, (dt.date, dt.datetime)):
        return _month_str(raw.year, raw.month, str(raw))
    if isinstance(raw, bool):
        raise ParseError("ожидается месяц")
    if isinstance(raw, float) and not raw.is_integer():
        # "03.2024" typed into a sheet may have become the number 3.2024: read its digits back
        m = re.fullmatch(r"(\d{1,2})\.(\d{4})", repr(raw))
        if not m:
            raise ParseError(f"месяц превратился в число {raw} — введите его как текст ГГГГ-ММ")
        return _month_str(int(m[2]), int(m[1]), repr(raw))
    if isinstance(raw, (int, float)):
        d = _from_serial(raw)
        return _month_str(d.year, d.month, str(raw))
    s = str(raw).strip().lower()
    m = re.fullmatch(r"(\d{4})[-./](\d{1,2})", s)
    if m:
        return _month_str(int(m[1]), int(m[2]), s)
    m = re.fullmatch(r"(\d{1,2})[-./](\d{4})(?:\s*г\.?)?", s)
    if m:
        return _month_str(int(m[2]), int(m[1]), s)
    m = re.fullmatch(r"([а-яё]+)\.?\s+(\d{4})(?:\s*(?:г|года?)\.?)?", s)
    if m:
        for prefix, number in _MONTH_WORDS:
            if m[1].startswith(prefix):
                return _month_str(int(m[2]), number, s)
    try:
        d = parse_date(s)
    except ParseError:
        raise ParseError(f"«{str(raw).strip()[:40]}» — не месяц (ожидается ГГГГ-ММ)") from None
    return _month_str(d.year, d.month, s)


def parse_period(raw: object) -> str | None:
    if is_empty(raw):
        return None
    s = str(raw).strip().lower().replace("к", "q").replace("кв", "q")
    m = re.fullmatch(r"(\d{4})\s*[-/ ]?\s*q([1-4])", s)
    if m:
        return f"{m[1]}-Q{m[2]}"
    m = re.fullmatch(r"([1-4]|i{1,3}|iv)\s*-?\s*(?:й\s*)?q?(?:в\.?|вартал[а-я]*)?\s*(\d{4})(?:\s*г\.?)?", s)
    if m:
        quarter = int(m[1]) if m[1].isdigit() else _ROMAN[m[1]]
        return f"{m[2]}-Q{quarter}"
    try:
        return parse_month(raw)
    except ParseError:
        raise ParseError(f"«{str(raw).strip()[:40]}» — не период (ГГГГ-ММ или ГГГГ-Q1)") from None


def parse_datetime(raw: object) -> str | None:
    if is_empty(raw):
        return None
    if isinstance(raw, dt.datetime):
        value = raw
    else:
        s = str(raw).strip()
        try:
            value = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
        except ValueError:
            m = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?", s)
            if not m:
                raise ParseError(f"«{s[:40]}» — не дата и время") from None
            d, mo, y, h, mi, sec = (int(x or 0) for x in m.groups())
            value = dt.datetime(y, mo, d, h, mi, sec)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).isoformat(timespec="seconds")


# ---- the rest ------------------------------------------------------------


def _norm(s: str) -> str:
    return " ".join(s.strip().lower().replace("ё", "е").split())


def parse_bool(raw: object) -> bool | None:
    if is_empty(raw):
        return None
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return bool(raw)
    s = _norm(str(raw))
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ParseError(f"«{str(raw).strip()[:40]}» — ожидается «да» или «нет»")


def text_of(raw: object) -> str:
    """A cell as text; a number typed into a text column loses its ``.0``."""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, bool):
        return "да" if raw else "нет"
    return str(raw).strip()


def enum_lookup(column: Column) -> dict[str, str]:
    table = {}
    for v in column.values:
        table[_norm(v.label)] = v.key
        table[_norm(v.key)] = v.key
    return table


def parse_enum(raw: object, column: Column) -> str | None:
    if is_empty(raw):
        return None
    key = enum_lookup(column).get(_norm(text_of(raw)))
    if key is None:
        allowed = ", ".join(f"«{v.label}»" for v in column.values)
        raise ParseError(f"«{text_of(raw)[:40]}» — недопустимое значение; допустимо: {allowed}")
    return key


def parse_refs(raw: object) -> str | None:
    if is_empty(raw):
        return None
    parts = [p.strip() for p in re.split(r"[;,]", text_of(raw)) if p.strip()]
    return ";".join(parts) or None


def parse_value(raw: object, column: Column):
    """Parse one cell by its column; raise ParseError with a Russian reason."""
    t = column.type
    if t in ("integer", "number", "money", "percent"):
        value = parse_number(raw, column)
    elif t == "date":
        value = parse_date(raw)
    elif t == "datetime":
        value = parse_datetime(raw)
    elif t == "month":
        value = parse_month(raw)
    elif t == "period":
        value = parse_period(raw)
    elif t == "bool":
        value = parse_bool(raw)
    elif t == "enum":
        value = parse_enum(raw, column)
    elif t == "refs":
        value = parse_refs(raw)
    else:  # text, ref
        value = None if is_empty(raw) else text_of(raw)
        if value is not None and column.max_length and len(value) > column.max_length:
            raise ParseError(f"длиннее {column.max_length} символов")
    if value is None and column.required:
        raise ParseError("обязательное поле не заполнено")
    return value


def to_cell(value, column: Column):
    """Canonical value -> what is stored in a sheet cell or an SQLite column.

    Text is returned as ``str`` and the Sheets adapter writes with RAW input,
    so ``=HYPERLINK(...)`` stays literal text there.
    """
    if is_empty(value):
        return None
    t = column.type
    if t == "enum":
        return column.label_of(value)
    if t == "bool":
        return "да" if value else "нет"
    if t == "date":
        return value.isoformat()
    if t == "integer":
        return int(value)
    if t in ("number", "money", "percent"):
        return round(float(value), MONEY_DECIMALS) if t == "money" else float(value)
    return str(value)
