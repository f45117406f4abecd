import pytest

from lib.core import fmt

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
    assert fmt.moment_ru("2024-04-05T01:00:00+00:00", "Asia/Yakutsk") == "05.04.2024 10:00"  # Yakutsk time


def test_deltas_carry_a_true_minus_and_the_direction_is_told_apart():
    # the tile's arrow is given explicitly (Streamlit reads a direction only from an ASCII «-»)
    assert fmt.delta(-6714.3, unit=" за месяц") == f"\u22126{N}714,3 за месяц" and fmt.direction(-6714.3) == "down"
    assert fmt.delta(75.3) == "+75,3" and fmt.direction(75.3) == "up"
    assert fmt.delta(-0.01) == "0,0" and fmt.direction(-0.01) == "off"


def test_many_numbers_at_once_round_as_one_number_does():
    """``numbers`` (a whole column) against the decimal definition: half-up on the value as written."""
    from decimal import ROUND_HALF_UP, Decimal

    import numpy as np

    def by_hand(x, d):
        exact = Decimal(repr(round(float(x), 9))).quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_UP)
        text = f"{abs(exact):,.{d}f}".replace(",", N).replace(".", ",")
        return ("\u2212" if exact < 0 and text.strip("0,\u00a0") else "") + text

    rng = np.random.default_rng(15)
    for d in (0, 1, 3):
        for places in (0, 1, 2, 3, 5):
            values = np.round(rng.uniform(-1e6, 1e6, 2000), places)
            assert fmt.numbers(values, d) == [by_hand(v, d) for v in values]
    assert fmt.numbers([None, float("nan"), 1.05, -0.049], 1) == ["—", "—", "1,1", "0,0"]


def test_one_python_number_is_shown_as_a_column_shows_it():
    """``number`` does a Python int or float without pandas (the audit log reads several per entry): the same
    text as ``numbers`` for the same value, to the last digit, rounding ties and signs included."""
    import numpy as np

    rng = np.random.default_rng(16)
    values = [0, 0.0, -0.0, 0.5, 1.5, 2.5, -0.5, 2.675, 95.05, 950.5 / 1000 * 100, 0.1 + 0.2, 1e-10, -1e-10, -0.049,
              123456789.987654, -4.9999999999, 1e15, 12, -12, 10**12, float("nan"), float("inf"), -float("inf")]
    values += [float(v) for v in rng.uniform(-1e7, 1e7, 3000)] + [float(v) for v in np.round(rng.uniform(-1e5, 1e5, 3000), 3)]
    values += [int(v) for v in rng.integers(-10**9, 10**9, 500)]
    for d in (0, 1, 2, 3):
        assert [fmt.number(v, d) for v in values] == fmt.numbers(values, d)
    assert fmt.number(np.int64(1234), 0) == "1\u00a0234" and fmt.number("12", 1) == "12,0"  # not Python numbers: through ``numbers``


def test_two_sums_compared_in_a_sentence_are_told_apart():
    assert fmt.apart(2790.445, 2791.0) == (f"2{N}790,4", f"2{N}791,0")
    assert fmt.apart(2790.445, 2790.4) == (f"2{N}790,445", f"2{N}790,4")  # at one decimal they would read the same


@pytest.mark.parametrize("value,text", [
    (1234.5, f"1{N}234,5"),  # as the entry grid shows it, not «1 234,500»
    (2000.0, f"2{N}000"),
    (0.125, "0,125"),
    (1234.05, f"1{N}234,05"),
    (0.1 + 0.2, "0,3"),  # a computed sum: binary noise rounded away at the ruble
    (1234.5675, f"1{N}234,568"),  # half-up to the ruble
    (-5.0, "\u22125"),
    (0, "0"),
    (100_000_000, f"100{N}000{N}000"),
    (None, "—"),
])
def test_a_figure_in_a_message_reads_as_the_grid_shows_it(value, text):
    assert fmt.exact(value) == text


def test_the_checks_messages_print_figures_as_the_grid_does():
    """Literal rows through the checks of the monthly report and the debt structure: the figures in their
    messages read as typed in the grid (1 234,5; 2 000), never with padded decimals (1 234,500)."""
    import pandas as pd

    from lib.domain import rules

    row = {"settlement_id": "s1", "consumer_group": "population", "debt_start": 1234.5, "accrued": 100.0, "paid": 50.25,
           "recovered_enforcement": 2000.0, "overdue": 5000.0, "written_off": None}
    rows = pd.DataFrame([row])
    label = lambda r: "Поселение 1"
    [error] = rules.monthly_errors(rows, label)
    assert f"2{N}000 больше оплаты 50,25:" in str(error)
    previous = pd.DataFrame([{**row, "debt_start": 0.1, "accrued": 0.2, "paid": 0.0}])  # closes at 0.1 + 0.2 = 0.30000000000000004
    warnings = [str(w) for w in rules.monthly_warnings(rows, previous, pd.DataFrame(), label)]
    assert any(f"1{N}234,5 не равна остатку прошлого месяца 0,3 " in w for w in warnings), warnings
    assert any(f"5{N}000 больше задолженности на конец месяца 1{N}284,25" in w for w in warnings), warnings  # 1 234,5 + 100 − 50,25
    structure = pd.DataFrame([{"settlement_id": "s1", "consumer_group": "population", "resource": "heat", "age_1_3": 4000.5,
                               "age_3_12": 0.0, "age_12_24": 0.0, "age_24_36": 0.0, "age_over_36": None}])
    [aging] = rules.structure_errors(structure, rows, lambda s, g: "Поселение 1")
    assert f"сумма по срокам 4{N}000,5 не равна просроченной задолженности 5{N}000 (разница \u2212999,5)" in str(aging)


CASES = {  # every month in every case the product's phrases use
    "nom": "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь",
    "gen": "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",  # с, на конец, до
    "dat": "январю февралю марту апрелю маю июню июлю августу сентябрю октябрю ноябрю декабрю",  # к
    "acc": "январь февраль март апрель май июнь июль август сентябрь октябрь ноябрь декабрь",  # за
    "ins": "январём февралём мартом апрелем маем июнем июлем августом сентябрём октябрём ноябрём декабрём",
    "prep": "январе феврале марте апреле мае июне июле августе сентябре октябре ноябре декабре",  # в
}


@pytest.mark.parametrize("case", list(CASES))
def test_month_names_in_every_case_for_all_twelve_months(case):
    expected = CASES[case].split()
    assert [fmt.month_name(n, case) for n in range(1, 13)] == expected
    assert [fmt.month_label(f"2024-{n:02d}", case) for n in range(1, 13)] == [f"{w} 2024" for w in expected]


def test_phrases_with_months_and_quarters():
    from lib.domain.periods import period_label, quarter_label

    assert f"Рост с {fmt.month_label('2024-01', 'gen')}" == "Рост с января 2024"
    assert f"к {fmt.month_label('2024-12', 'dat')}" == "к декабрю 2024"
    assert f"на конец {fmt.month_label('2024-12', 'gen')}" == "на конец декабря 2024"
    assert f"в {fmt.month_label('2024-05', 'prep')}" == "в мае 2024"
    assert quarter_label("2024-Q4") == "4 квартал 2024 г." and quarter_label("2024-Q4", "prep") == "4 квартале 2024 г."
    assert period_label("2024-03", "gen") == "марта 2024" and period_label("2024-Q1", "gen") == "1 квартала 2024 г."
    assert fmt.sentence(f"Период: {quarter_label('2024-Q4')}") == "Период: 4 квартал 2024 г."  # not «г..»
    assert fmt.sentence("Период: 2024 год") == "Период: 2024 год."


def test_moments_in_the_districts_time_zone():
    assert fmt.moment_ru("2024-04-05T01:00:00+00:00", "Europe/Moscow") == "05.04.2024 04:00"
    assert fmt.moment_ru("2024-04-05T01:00:00+00:00", "Asia/Yekaterinburg") == "05.04.2024 06:00"
    with pytest.raises(ValueError, match="не часовой пояс"):
        fmt.zone_of("UTC+9 Якутск")
