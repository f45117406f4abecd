"""District settings: typed values from the «Настройки» tab, defaults from the schema."""

from __future__ import annotations

from dataclasses import dataclass, field

from lib.core import fmt
from lib.core.parsing import ParseError, parse_value
from lib.core.schema import Column, schema


@dataclass(frozen=True)
class Settings:
    values: dict
    problems: list[str] = field(default_factory=list)

    def __getitem__(self, key: str):
        return self.values[key]

    @property
    def zone(self):
        """The district's time zone (``zoneinfo.ZoneInfo``): deadlines and displayed moments."""
        return fmt.zone_of(self.values.get("time_zone") or fmt.DEFAULT_ZONE)


def read_settings(snapshot) -> Settings:
    table = schema()["settings"]
    stored = {r["key"]: r["value"] for r in snapshot.current("settings").to_dict("records")}
    values, problems = {}, []
    for s in table.settings:
        column = Column(key=s.key, title=s.key, type=s.type, min=0 if s.type in ("money", "integer", "percent", "number") else None)
        raw = stored.get(s.key)
        if s.type == "percent" and isinstance(raw, str) and raw.strip().endswith("%"):
            raw = raw.strip()[:-1]  # «5%» and «5 %» mean 5: the setting is in percent already
        try:
            value = parse_value(raw, column)
        except ParseError as err:
            problems.append(f"настройка «{s.key}»: {err}; взято значение по умолчанию {s.default}")
            value = None
        if s.key == "time_zone" and value is not None:
            try:
                fmt.zone_of(value)
            except ValueError as err:
                problems.append(f"настройка «{s.key}»: {err}; взято значение по умолчанию {s.default}")
                value = None
        values[s.key] = parse_value(s.default, column) if value is None else value
    fmt.use_zone(values["time_zone"])  # displayed moments follow the district whose settings were read
    return Settings(values, problems)
