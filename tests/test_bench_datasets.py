"""The benchmarks' generated districts (bench.datasets) are complete districts (issue 28, item 4): organisations serve
settlements and supply resources, every utility filed every month, and people exist — so saves and load can be measured
on them through the app's own paths, as on a real district."""

from __future__ import annotations

import pytest

from bench import datasets
from lib.auth.access import Denied, write
from lib.auth.signin import current_user
from lib.demo.figures import months_between
from lib.domain.monthly import names as participant_names


@pytest.fixture
def bench_district(tmp_path):
    return datasets.load_sqlite(tmp_path / "bench.sqlite", datasets.all_cells(datasets.frames(4)))


def test_every_utility_serves_a_settlement_files_every_month_and_has_an_executor(bench_district):
    snap = bench_district.read_all()
    people = snap.current("participants").set_index("id")
    utilities = people[people.kind == "utility"]
    assert dict(utilities.serves) == {"u00000": "s00000", "u00001": "s00001", "u00002": "s00002", "u00003": "s00003"}
    assert dict(utilities.resources) == {"u00000": "electricity", "u00001": "heating;hot_water", "u00002": "heating;hot_water",
                                         "u00003": "electricity"}
    assert participant_names(snap)["s00002"] == "МО «Поселение 2»"
    filed = snap.current("monthly_reports").groupby("participant_id", observed=True).month.nunique()
    assert dict(filed) == {u: len(months_between(datasets.FIRST, datasets.LAST)) for u in utilities.index}
    executor = current_user(snap, "u00002@bench")
    assert executor is not None and executor.role == "executor" and executor.participant_id == "u00002"
    assert current_user(snap, "commission@bench").role == "commission" and current_user(snap, "bench@x").role == "coordinator"


def test_an_executor_saves_a_correction_of_its_own_report_and_not_of_another(bench_district):
    snap = bench_district.read_all()
    executor = current_user(snap, "u00001@bench")
    key = {"participant_id": "u00001", "settlement_id": "s00001", "month": datasets.LAST, "consumer_group": "population"}
    row = snap.record("monthly_reports", **key)
    write(bench_district, executor, {"monthly_reports": [{**row, "paid": float(row["paid"]) + 1.5}]})
    assert float(bench_district.read_all().record("monthly_reports", **key)["paid"]) == float(row["paid"]) + 1.5
    other = snap.record("monthly_reports", **{**key, "participant_id": "u00000", "settlement_id": "s00000"})
    with pytest.raises(Denied, match="только за своего участника"):
        write(bench_district, executor, {"monthly_reports": [{**other, "paid": 1.0}]})
