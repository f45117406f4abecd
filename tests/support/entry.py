"""Shared helpers for entry tests: a demo store per test and valid forms for a month."""

from __future__ import annotations

import datetime as dt

import numpy as np

from lib.auth.access import User
from lib.domain import monthly as entry
from lib.domain.categories import BUCKETS
from lib.domain.periods import shift_month
from lib.domain.settings import read_settings
from lib.store.sqlite_store import SQLiteStore

VES = User("ves@lensk.demo", "ВЭС", "executor", "ves")
LPTES = User("lptes@lensk.demo", "ЛПТЭС", "executor", "lptes")
MONTH = "2024-12"  # ves has not filed it in the demo


def copy_demo(demo_db, tmp_path) -> SQLiteStore:
    from tests.support.demo_file import copy_demo_file

    return SQLiteStore(copy_demo_file(demo_db, tmp_path / "d.sqlite"))


def settings(snap):
    return read_settings(snap)


def valid_monthly(snap, pid="ves", month=MONTH):
    form = entry.monthly_form(snap, pid, month)
    form["accrued"] = 1000.0
    form["paid"] = 950.5
    form["recovered_enforcement"] = 12.25
    form["written_off"] = 0.0
    form["overdue"] = (form["debt_start"] * 0.8).round(3)
    return form


def valid_structure(snap, monthly, pid="ves", month=MONTH):
    form = entry.structure_form(snap, pid, month)
    per_line = form.groupby(["settlement_id", "consumer_group"]).resource.transform("count")
    overdue = monthly.set_index(["settlement_id", "consumer_group"])["overdue"]
    totals = np.array([overdue[(s, g)] for s, g in zip(form.settlement_id, form.consumer_group)]) / per_line.to_numpy()
    for b in BUCKETS:
        form[b] = np.floor(totals / len(BUCKETS) * 1000) / 1000
    rest = totals - form[list(BUCKETS)].sum(axis=1).to_numpy()
    form["age_1_3"] = (form["age_1_3"] + rest).round(3)
    return form


def valid_claims(snap=None, pid="ves", month=MONTH):
    """Claims work for the month: last month's figures where the demo has them (a plausible month,
    not one the ×20 rule asks about), else small counts."""
    plain = {k: (5 if k in ("debtors_over_threshold", "notices_sent", "court_applications", "court_decisions", "writs_sent") else 0)
             for k in entry.CLAIMS_FIELDS}
    if snap is None:
        return plain
    previous = entry.claims_form(snap, pid, shift_month(month, -1))
    return {k: plain[k] if previous[k] is None else previous[k] for k in entry.CLAIMS_FIELDS}


TODAY = dt.date(2026, 11, 22)
