"""The schema of the shared spreadsheet, loaded from ``sheets_schema/*.toml``.

The TOML files are the single source of truth for tabs, columns, Russian titles,
types and bounds: the SQLite tables, the header rows of a new Google
spreadsheet, the parsers and the validators are all derived from them, so
nothing else in the code base lists columns by hand.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "sheets_schema"

TYPES = frozenset(
    {
        "text",  # free text, stored literally (never a formula)
        "integer",  # whole count, e.g. number of lawsuits
        "number",  # any decimal number
        "money",  # thousand rubles, at most 3 decimals (= exact to the ruble)
        "percent",  # a percentage, 5 means 5 %
        "date",  # calendar date
        "datetime",  # moment, ISO 8601
        "month",  # reporting month, canonical "YYYY-MM"
        "period",  # month "YYYY-MM" or quarter "YYYY-Qn"
        "enum",  # one of the declared values; the sheet holds the Russian label
        "ref",  # id of a row of another tab
        "refs",  # several ids separated by ";"
        "bool",  # да / нет
    }
)
MONEY_DECIMALS = 3


class SchemaError(Exception):
    """The schema files themselves are inconsistent (a developer error)."""


@dataclass(frozen=True)
class EnumValue:
    key: str
    label: str


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    type: str
    description: str = ""
    required: bool = False
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    values: tuple[EnumValue, ...] = ()
    ref: str | None = None
    system: bool = False
    secret: bool = False  # never shown in the app (password hashes); never written to a shared Google Sheet
    hidden: bool = False  # bookkeeping (save order, signature): not shown in tables for people

    def label_of(self, key: str) -> str:
        for value in self.values:
            if value.key == key:
                return value.label
        raise KeyError(key)

    @property
    def labels(self) -> dict[str, str]:
        return {v.key: v.label for v in self.values}


@dataclass(frozen=True)
class Setting:
    key: str
    type: str
    default: str
    description: str
    title: str = ""  # how people name it («Отправлять напоминания»): the audit log says which setting changed


ROLES = ("executor", "commission", "coordinator")


@dataclass(frozen=True)
class Access:
    """Who may write a tab. Enforced by lib/auth/access.py for every write the app makes."""

    writers: tuple[str, ...] = ()
    owner: str | None = None  # field holding the participant an executor may write for
    period: str | None = None  # month/period field: a closed quarter refuses edits
    executor_may_change: tuple[str, ...] | None = None  # None: every field
    person: str | None = None  # field holding a login: anyone but the coordinator writes only the row of their own


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    description: str
    record_key: tuple[str, ...]
    columns: tuple[Column, ...]  # the tab's own columns followed by the system ones
    settings: tuple[Setting, ...] = ()
    access: Access = Access()
    system_tab: bool = False  # written only by the app: protected on a shared sheet
    signed: bool = False  # rows carry «Подпись»; unsigned rows on a shared sheet are not read

    @property
    def sealed(self) -> bool:
        """Rows carry «Печать» (every tab but the signed ones): on a shared sheet a value typed over a
        saved row is noticed, and the value the app saved stays current (lib/store/sheets_store.py)."""
        return any(c.key == "seal" for c in self.columns)

    @property
    def data_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.system)

    @property
    def keys(self) -> list[str]:
        return [c.key for c in self.columns]

    @property
    def titles(self) -> list[str]:
        return [c.title for c in self.columns]

    def column(self, key: str) -> Column:
        for c in self.columns:
            if c.key == key:
                return c
        raise KeyError(f"{self.key}.{key}")


@dataclass(frozen=True)
class Schema:
    tables: dict[str, Table] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Table:
        return self.tables[key]

    def __iter__(self):
        return iter(self.tables.values())

    def by_title(self, title: str) -> Table | None:
        for t in self.tables.values():
            if t.title == title:
                return t
        return None


def _column(raw: dict, where: str, system: bool = False) -> Column:
    unknown = set(raw) - {
        "key", "title", "type", "description", "required", "min", "max",
        "max_length", "values", "ref", "secret", "hidden",
    }
    if unknown:
        raise SchemaError(f"{where}: неизвестные поля {sorted(unknown)}")
    if raw.get("type") not in TYPES:
        raise SchemaError(f"{where}: неизвестный тип {raw.get('type')!r}")
    values = tuple(EnumValue(v["key"], v["label"]) for v in raw.get("values", ()))
    if raw["type"] == "enum" and not values:
        raise SchemaError(f"{where}: у перечисления нет значений")
    return Column(
        key=raw["key"],
        title=raw["title"],
        type=raw["type"],
        description=raw.get("description", ""),
        required=bool(raw.get("required", False)),
        min=raw.get("min"),
        max=raw.get("max"),
        max_length=raw.get("max_length"),
        values=values,
        ref=raw.get("ref"),
        system=system,
        secret=bool(raw.get("secret", False)),
        hidden=bool(raw.get("hidden", False)),
    )


def load_schema(directory: Path = SCHEMA_DIR) -> Schema:
    """Read and check every tab file; raise SchemaError on any inconsistency."""
    with open(directory / "_system.toml", "rb") as f:
        raw_system = tomllib.load(f)
    system = [_column(c, "_system", system=True) for c in raw_system["columns"]]
    signed_columns = [_column(c, "_system", system=True) for c in raw_system.get("signed_columns", ())]
    sealed_columns = [_column(c, "_system", system=True) for c in raw_system.get("sealed_columns", ())]
    system_tabs = set(raw_system.get("system_tabs", ()))
    signed_tabs = set(raw_system.get("signed_tabs", ()))
    with open(directory / "_tabs.toml", "rb") as f:
        order = tomllib.load(f)["order"]
    files = sorted(p.stem for p in directory.glob("*.toml") if not p.stem.startswith("_"))
    if sorted(order) != files:
        raise SchemaError(f"_tabs.toml order {sorted(order)} не совпадает с файлами {files}")

    tables: dict[str, Table] = {}
    for name in order:
        with open(directory / f"{name}.toml", "rb") as f:
            raw = tomllib.load(f)
        tab = raw["tab"]
        if tab["key"] != name:
            raise SchemaError(f"{name}.toml: key {tab['key']!r} должен совпадать с именем файла")
        own = [_column(c, f"{name}.{c.get('key')}") for c in raw["columns"]]
        columns = tuple(own + system + (signed_columns if name in signed_tabs else sealed_columns))
        keys = [c.key for c in columns]
        titles = [c.title for c in columns]
        if len(set(keys)) != len(keys) or len(set(titles)) != len(titles):
            raise SchemaError(f"{name}: повторяются ключи или заголовки столбцов")
        record_key = tuple(tab["record_key"])
        if not set(record_key) <= set(keys):
            raise SchemaError(f"{name}: record_key {record_key} ссылается на неизвестные столбцы")
        settings = tuple(
            Setting(s["key"], s["type"], str(s["default"]), s.get("description", ""), s.get("title", ""))
            for s in raw.get("settings", ())
        )
        raw_access = tab.get("access", {})
        access = Access(
            writers=tuple(raw_access.get("writers", ())),
            owner=raw_access.get("owner"),
            period=raw_access.get("period"),
            executor_may_change=tuple(raw_access["executor_may_change"]) if "executor_may_change" in raw_access else None,
            person=raw_access.get("person"),
        )
        if not set(access.writers) <= set(ROLES):
            raise SchemaError(f"{name}: неизвестные роли в access.writers {access.writers}")
        for field_name in [access.owner, access.period, access.person, *(access.executor_may_change or ())]:
            if field_name and field_name not in keys:
                raise SchemaError(f"{name}: access ссылается на неизвестный столбец {field_name!r}")
        tables[name] = Table(
            key=name,
            access=access,
            title=tab["title"],
            description=tab.get("description", ""),
            record_key=record_key,
            columns=columns,
            settings=settings,
            system_tab=name in system_tabs,
            signed=name in signed_tabs,
        )
    for t in tables.values():
        for c in t.columns:
            if c.ref and c.ref not in tables:
                raise SchemaError(f"{t.key}.{c.key}: ссылка на неизвестный лист {c.ref!r}")
    if not (system_tabs | signed_tabs) <= set(tables):
        raise SchemaError(f"_system.toml: неизвестные листы в system_tabs/signed_tabs {sorted((system_tabs | signed_tabs) - set(tables))}")
    if len({t.title for t in tables.values()}) != len(tables):
        raise SchemaError("названия листов повторяются")
    return Schema(tables)


@cache
def schema() -> Schema:
    """The project schema, loaded once per process."""
    return load_schema()
