import pytest

from lib import fmt

N = "\u00a0"


@pytest.mark.parametrize("value,decimals,text", [
    (1234.5, 1, f"1{N}234,5"),
    (1234567.891, 1, f"1{N}234{N}567,9"),
    (95.05, 1, "95,1"),  # half-up, as on a calculator
    (950.5 / 1000 * 100, 1, "95,1"),  # float noise does not flip the rounding
    (2.675, 2, "2,68"),
    (-5.26, 1, "\u22125,3"),
    (-0.04, 1, "0,0"),  # no "minus zero"
    (0, 3, "0,000"),
    (1e8, 3, f"100{N}000{N}000,000"),
    (None, 1, "—"),
    (float("nan"), 1, "—"),
])
def test_numbers_in_russian_format(value, decimals, text):
    assert fmt.number(value, decimals) == text


def test_percent_month_and_dates():
    import datetime as dt

    assert fmt.percent(95.34) == f"95,3{N}%"
    assert fmt.month_label("2024-03") == "март 2024"
    assert fmt.date_ru(dt.date(2024, 4, 5)) == "05.04.2024"
    assert fmt.moment_ru("2024-04-05T01:00:00+00:00") == "05.04.2024 10:00"  # Yakutsk time


def test_deltas_carry_an_ascii_sign_for_the_tile_arrow():
    assert fmt.delta(-6714.3, unit=" за месяц") == f"-6{N}714,3 за месяц"
    assert fmt.delta(75.3) == "+75,3"
    assert fmt.delta(-0.01) == "0,0"
