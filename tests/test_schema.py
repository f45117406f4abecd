import shutil

import pytest

from lib.core.schema import TYPES, SchemaError, load_schema, schema


def test_every_tab_of_the_design_is_in_the_schema():
    tabs = {t.key for t in schema()}
    assert {"participants", "users", "plan", "plan_progress", "monthly_reports", "debt_structure", "claims_work",
            "commission_members", "meetings", "decisions", "settings", "audit"} <= tabs


def test_columns_have_russian_titles_types_and_descriptions():
    for table in schema():
        assert any("а" <= ch <= "я" for ch in table.title.lower())
        for c in table.columns:
            assert c.type in TYPES
            assert c.description, f"{table.key}.{c.key} has no description"
            assert any("а" <= ch <= "я" for ch in c.title.lower()), c.title
        for k in table.record_key:
            assert table.column(k).required, f"{table.key}: key field {k} must be required"


def test_money_columns_are_bounded_and_non_negative():
    money = [c for t in schema() for c in t.columns if c.type == "money"]
    assert money and all(c.min == 0 and c.max for c in money)


def test_monthly_report_has_the_annex_4_figures():
    keys = schema()["monthly_reports"].keys
    for k in ("debt_start", "accrued", "paid", "recovered_enforcement", "overdue"):
        assert k in keys
    assert "collection_pct" not in keys  # computed, never typed


def test_a_broken_schema_is_refused(tmp_path):
    from lib.core.schema import SCHEMA_DIR

    shutil.copytree(SCHEMA_DIR, tmp_path / "s")
    path = tmp_path / "s" / "users.toml"
    path.write_text(path.read_text().replace('type = "enum"', 'type = "colour"', 1))
    with pytest.raises(SchemaError, match="неизвестный тип"):
        load_schema(tmp_path / "s")


def test_a_tab_file_missing_from_the_order_is_refused(tmp_path):
    from lib.core.schema import SCHEMA_DIR

    shutil.copytree(SCHEMA_DIR, tmp_path / "s")
    (tmp_path / "s" / "extra.toml").write_text((tmp_path / "s" / "audit.toml").read_text())
    with pytest.raises(SchemaError, match="order"):
        load_schema(tmp_path / "s")
