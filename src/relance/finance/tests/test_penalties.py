"""Worked examples per jurisdiction, on the shipped rate tables: every amount to the cent.

No database: the engine is pure. The shipped tables are read with an empty site folder so that a
developer's own `relance rates add` rows never change these results.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from relance.core.money import Money
from relance.finance.penalties import (
    ContractRule,
    FranceRule,
    HalfYear,
    InvoiceFacts,
    MissingRateError,
    PaymentFact,
    PenaltyError,
    RateBook,
    UnitedKingdomRule,
    compute_penalties,
    div_round_half_up,
    get_rule,
    interest_minor,
)
from relance.finance.rates_store import SHIPPED_DIR, load_rate_book

D = dt.date


def eur(amount: str) -> Money:
    return Money.of(amount, "EUR")


def gbp(amount: str) -> Money:
    return Money.of(amount, "GBP")


@pytest.fixture(scope="module")
def rates(tmp_path_factory: pytest.TempPathFactory) -> RateBook:
    return load_rate_book(site_dir=tmp_path_factory.mktemp("no-site-rates"))


def compute(rates: RateBook, rule: str | object, amount: Money, due: dt.date, paid: list[tuple[dt.date, str]],
            as_of: dt.date, **options: object):  # fmt: skip
    penalty_rule = get_rule(rule, **options) if isinstance(rule, str) else rule
    return compute_penalties(
        invoice=InvoiceFacts(amount=amount, due_date=due, reference="F-1"),
        payments=[PaymentFact(date=day, amount=Money.of(value, amount.currency)) for day, value in paid],
        as_of=as_of,
        rule=penalty_rule,  # type: ignore[arg-type]
        rates=rates,
    )


def summary(result) -> list[tuple[dt.date, dt.date, int, str, str, str]]:
    return [
        (line.start, line.end, line.days, str(line.open_amount.amount), str(line.rate), str(line.amount.amount))
        for line in result.interest_lines
    ]


# -- the worked examples of the issue, table-driven ---------------------------------------------------------------

WORKED = [
    pytest.param(
        "fr", eur("10000.00"), D(2025, 3, 15), [(D(2025, 5, 14), "10000.00")], D(2025, 6, 1), {},
        [(D(2025, 3, 15), D(2025, 5, 14), 60, "10000.00", "13.15", "216.16")], "216.16", "40.00",
        id="france-216.16",
    ),
    pytest.param(
        "de", eur("10000.00"), D(2023, 1, 15), [], D(2023, 7, 1), {},
        [(D(2023, 1, 15), D(2023, 7, 1), 167, "10000.00", "10.62", "485.90")], "485.90", "40.00",
        id="germany-first-half-year-485.90",
    ),
    pytest.param(
        "uk", gbp("262.25"), D(2016, 3, 1), [(D(2016, 7, 18), "262.25")], D(2016, 7, 18), {},
        [(D(2016, 3, 1), D(2016, 7, 18), 139, "262.25", "8.50", "8.49")], "8.49", "40.00",
        id="uk-8.49",
    ),
    pytest.param(
        "fr", eur("10000.00"), D(2025, 3, 15), [(D(2025, 4, 14), "4000.00"), (D(2025, 5, 14), "6000.00")],
        D(2025, 6, 30), {},
        [
            (D(2025, 3, 15), D(2025, 4, 14), 30, "10000.00", "13.15", "108.08"),
            (D(2025, 4, 14), D(2025, 5, 14), 30, "6000.00", "13.15", "64.85"),
        ],
        "172.93", "40.00", id="france-partial-payment",
    ),
    pytest.param(
        "fr", eur("10000.00"), D(2025, 6, 1), [(D(2025, 8, 15), "10000.00")], D(2025, 9, 1), {},
        [
            (D(2025, 6, 1), D(2025, 7, 1), 30, "10000.00", "13.15", "108.08"),
            (D(2025, 7, 1), D(2025, 8, 15), 45, "10000.00", "12.15", "149.79"),
        ],
        "257.87", "40.00", id="france-across-1-july",
    ),
    pytest.param(
        "fr", eur("10000.00"), D(2025, 6, 1), [(D(2025, 8, 15), "10000.00")], D(2025, 9, 1),
        {"rate_of_delay_start": True},
        [(D(2025, 6, 1), D(2025, 8, 15), 75, "10000.00", "13.15", "270.21")], "270.21", "40.00",
        id="france-across-1-july-rate-of-delay-start",
    ),
    pytest.param(
        "eu", eur("10000.00"), D(2025, 3, 15), [(D(2025, 5, 14), "10000.00")], D(2025, 6, 1), {},
        [(D(2025, 3, 15), D(2025, 5, 14), 60, "10000.00", "11.15", "183.29")], "183.29", "40.00",
        id="eu-default",
    ),
    pytest.param(
        "de", eur("10000.00"), D(2024, 1, 31), [(D(2024, 3, 1), "10000.00")], D(2024, 3, 1), {},
        [(D(2024, 1, 31), D(2024, 3, 1), 30, "10000.00", "12.62", "103.73")], "103.73", "40.00",
        id="germany-leap-year-still-365",
    ),
    pytest.param(
        "contract", gbp("262.25"), D(2025, 1, 10), [(D(2025, 5, 29), "262.25")], D(2025, 6, 1),
        {"rate": Decimal("8.5"), "fee": gbp("15.00")},
        [(D(2025, 1, 10), D(2025, 5, 29), 139, "262.25", "8.5", "8.49")], "8.49", "15.00",
        id="contract-8.5-percent-139-days",
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("rule", "amount", "due", "paid", "as_of", "options", "lines", "interest", "indemnity"), WORKED
)
def test_worked_examples(rates, rule, amount, due, paid, as_of, options, lines, interest, indemnity):
    result = compute(rates, rule, amount, due, paid, as_of, **options)
    assert summary(result) == lines
    assert str(result.interest.amount) == interest
    assert str(result.indemnity.amount) == indemnity
    assert result.total == result.interest + result.indemnity
    assert result.currency == amount.currency


def test_france_line_carries_rate_origin_and_legal_basis(rates):
    result = compute(rates, "fr", eur("10000.00"), D(2025, 3, 15), [(D(2025, 5, 14), "10000.00")], D(2025, 6, 1))
    (line,) = result.interest_lines
    assert (line.code, line.basis, line.legal_text) == ("interest", "fr.L441-10", "Code de commerce, art. L441-10")
    assert (line.reference_rate, line.margin, line.rate) == (Decimal("3.15"), Decimal(10), Decimal("13.15"))
    assert (line.rate_table, line.rate_period, line.day_basis) == ("ecb_mro", HalfYear(2025, 1), 365)
    assert "2024-12-18" in line.rate_source
    (fee,) = result.indemnity_lines
    assert (fee.code, fee.basis, fee.amount) == ("indemnity", "fr.D441-5", eur("40.00"))
    assert "D441-5" in fee.legal_text
    assert result.lines == (line, fee)
    assert result.days_late == 60
    assert result.is_late


def test_germany_chains_every_half_year_without_losing_a_day(rates):
    result = compute(rates, "de", eur("10000.00"), D(2023, 1, 15), [(D(2025, 10, 2), "10000.00")], D(2025, 10, 2))
    assert summary(result) == [
        (D(2023, 1, 15), D(2023, 7, 1), 167, "10000.00", "10.62", "485.90"),
        (D(2023, 7, 1), D(2024, 1, 1), 184, "10000.00", "12.12", "610.98"),
        (D(2024, 1, 1), D(2024, 7, 1), 182, "10000.00", "12.62", "629.27"),
        (D(2024, 7, 1), D(2025, 1, 1), 184, "10000.00", "12.37", "623.58"),
        (D(2025, 1, 1), D(2025, 7, 1), 181, "10000.00", "11.27", "558.87"),
        (D(2025, 7, 1), D(2025, 10, 2), 93, "10000.00", "10.27", "261.67"),
    ]
    assert sum(line.days for line in result.interest_lines) == result.days_late == 991
    assert result.interest == eur("3170.27")
    assert {line.basis for line in result.lines} == {"de.BGB288.2", "de.BGB288.5"}


def test_partial_payments_before_due_date_reduce_the_amount_that_is_late(rates):
    result = compute(rates, "fr", eur("10000.00"), D(2025, 3, 15), [(D(2025, 3, 1), "7000.00")], D(2025, 5, 14))
    assert summary(result) == [(D(2025, 3, 15), D(2025, 5, 14), 60, "3000.00", "13.15", "64.85")]


def test_unpaid_invoice_accrues_to_the_computation_date_and_later_payments_are_ignored(rates):
    result = compute(rates, "fr", eur("10000.00"), D(2025, 3, 15), [(D(2025, 6, 1), "10000.00")], D(2025, 5, 14))
    assert summary(result) == [(D(2025, 3, 15), D(2025, 5, 14), 60, "10000.00", "13.15", "216.16")]
    assert result.days_late == 60


def test_same_day_payments_are_added_and_overpayment_never_makes_interest_negative(rates):
    paid = [(D(2025, 4, 14), "3000.00"), (D(2025, 4, 14), "1000.00"), (D(2025, 4, 20), "9000.00")]
    result = compute(rates, "fr", eur("10000.00"), D(2025, 3, 15), paid, D(2025, 6, 1))
    assert [(line.days, str(line.open_amount.amount)) for line in result.interest_lines] == [
        (30, "10000.00"),
        (6, "6000.00"),
    ]
    assert all(line.amount.minor >= 0 for line in result.lines)


def test_a_reversed_payment_reopens_the_invoice_from_its_date(rates):
    paid = [(D(2025, 3, 15), "10000.00"), (D(2025, 4, 1), "-10000.00"), (D(2025, 4, 11), "10000.00")]
    result = compute(rates, "fr", eur("10000.00"), D(2025, 3, 15), paid, D(2025, 6, 1))
    assert summary(result) == [(D(2025, 4, 1), D(2025, 4, 11), 10, "10000.00", "13.15", "36.03")]
    assert result.indemnity == eur("40.00")


@pytest.mark.parametrize(
    ("paid", "as_of"),
    [
        ([(D(2025, 3, 15), "10000.00")], D(2025, 6, 1)),  # paid on the due date
        ([(D(2025, 3, 1), "10000.00")], D(2025, 6, 1)),  # paid early
        ([], D(2025, 3, 15)),  # not late yet: computed on the due date
        ([], D(2025, 2, 1)),  # computed before the due date
    ],
)
def test_nothing_is_due_when_paid_on_time_or_not_yet_late(rates, paid, as_of):
    result = compute(rates, "fr", eur("10000.00"), D(2025, 3, 15), paid, as_of)
    assert result.lines == ()
    assert result.total == eur("0.00")
    assert not result.is_late


def test_one_day_late_gives_one_day_of_interest_and_the_whole_fixed_sum(rates):
    result = compute(rates, "fr", eur("10000.00"), D(2025, 3, 15), [(D(2025, 3, 16), "10000.00")], D(2025, 6, 1))
    assert summary(result) == [(D(2025, 3, 15), D(2025, 3, 16), 1, "10000.00", "13.15", "3.60")]
    assert result.indemnity == eur("40.00")


def test_fixed_sum_is_due_even_when_the_interest_rounds_to_zero(rates):
    result = compute(rates, "fr", eur("0.10"), D(2025, 3, 15), [], D(2025, 3, 16))
    assert result.interest == eur("0.00")
    assert result.indemnity == eur("40.00")


# -- rounding ------------------------------------------------------------------------------------------------------


def test_rounding_is_half_up_on_an_exact_half_cent(rates):
    # 3,650.00 x 13.15 % x 3 / 365 = 3.945 exactly: half-up gives 3.95 (banker's rounding would give 3.94)
    result = compute(rates, "fr", eur("3650.00"), D(2025, 3, 15), [(D(2025, 3, 18), "3650.00")], D(2025, 6, 1))
    assert summary(result) == [(D(2025, 3, 15), D(2025, 3, 18), 3, "3650.00", "13.15", "3.95")]


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [(5, 10, 1), (4, 10, 0), (15, 10, 2), (25, 10, 3), (14999, 10000, 1), (-5, 10, -1), (-4, 10, 0), (0, 7, 0)],
)
def test_div_round_half_up(numerator, denominator, expected):
    assert div_round_half_up(numerator, denominator) == expected


def test_interest_is_exact_before_the_single_rounding():
    # 1 cent a day would be 0.01 x 365 = 3.65; the exact value 3.6027... rounds to 3.60, not 3.65
    assert interest_minor(open_minor=1_000_000, rate=Decimal("13.15"), days=1, day_basis=365) == 360
    assert interest_minor(open_minor=1_000_000, rate=Decimal("13.15"), days=365, day_basis=365) == 131_500
    assert interest_minor(open_minor=1825, rate=Decimal(10), days=1, day_basis=365) == 1  # 0.5 -> 1


def test_totals_are_the_sums_of_the_rounded_lines(rates):
    result = compute(rates, "de", eur("333.33"), D(2023, 1, 15), [(D(2023, 3, 1), "111.11")], D(2025, 10, 2))
    assert result.interest.minor == sum(line.amount.minor for line in result.interest_lines)
    assert result.total.minor == sum(line.amount.minor for line in result.lines)


# -- France: contractual rate and its floor ------------------------------------------------------------------------


def test_france_contract_rate_replaces_the_ecb_rate(rates):
    result = compute(rates, "fr", eur("10000.00"), D(2025, 3, 15), [(D(2025, 5, 14), "10000.00")], D(2025, 6, 1),
                     contract_rate=Decimal("12.00"))  # fmt: skip
    assert summary(result) == [(D(2025, 3, 15), D(2025, 5, 14), 60, "10000.00", "12.00", "197.26")]
    (line,) = result.interest_lines
    assert (line.basis, line.reference_rate, line.rate_source) == ("fr.L441-10.contract", None, "contract")
    assert result.indemnity == eur("40.00")


def test_france_contract_rate_below_three_times_the_legal_rate_is_refused(rates):
    with pytest.raises(PenaltyError, match=r"below the legal floor of 11\.13 % in 2025-H1") as caught:
        compute(rates, "fr", eur("10000.00"), D(2025, 3, 15), [], D(2025, 5, 14), contract_rate=Decimal("11.12"))
    assert caught.value.code == "penalties.contract_rate_below_floor"
    assert "3.71" in caught.value.message


def test_france_contract_floor_is_checked_for_every_half_year_of_the_delay(rates):
    # 12 % clears the floor of 2023-H1 (6.18 %) but not that of 2023-H2 (12.66 %): the failing half-year is named
    with pytest.raises(PenaltyError, match="2023-H2"):
        compute(rates, "fr", eur("100.00"), D(2023, 6, 1), [], D(2023, 8, 1), contract_rate=Decimal("12"))
    result = compute(rates, "fr", eur("100.00"), D(2025, 6, 1), [], D(2025, 8, 1), contract_rate=Decimal("11.13"))
    assert [line.rate for line in result.interest_lines] == [Decimal("11.13")]
    assert FranceRule().contract_floor(period=HalfYear(2024, 1), rates=rates) == Decimal("15.21")


def test_france_contract_rate_at_the_floor_is_accepted(rates):
    result = compute(rates, "fr", eur("100.00"), D(2024, 2, 1), [], D(2024, 3, 1), contract_rate=Decimal("15.21"))
    assert result.interest_lines[0].rate == Decimal("15.21")


# -- United Kingdom ------------------------------------------------------------------------------------------------


def test_uk_rate_is_fixed_by_the_half_year_in_which_interest_starts(rates):
    # due 20 June 2022: interest starts 21 June (H1) -> Bank Rate on 31 Dec 2021 = 0.25 %, kept after 1 July
    result = compute(rates, "uk", gbp("5000.00"), D(2022, 6, 20), [], D(2023, 3, 1))
    (line,) = result.interest_lines
    assert (line.rate, line.reference_rate, line.rate_period, line.days) == (
        Decimal("8.25"), Decimal("0.25"), HalfYear(2022, 1), 254,
    )  # fmt: skip
    assert line.amount == gbp("287.05")
    # due 30 June 2022: interest starts 1 July (H2) -> Bank Rate on 30 June 2022 = 1.25 %
    later = compute(rates, "uk", gbp("5000.00"), D(2022, 6, 30), [], D(2023, 3, 1))
    assert [line.rate for line in later.interest_lines] == [Decimal("9.25")]


@pytest.mark.parametrize(
    ("debt", "fixed"),
    [("262.25", "40.00"), ("999.99", "40.00"), ("1000.00", "70.00"), ("9999.99", "70.00"), ("10000.00", "100.00")],
)
def test_uk_fixed_sum_by_size_of_debt(rates, debt, fixed):
    result = compute(rates, "uk", gbp(debt), D(2025, 3, 1), [], D(2025, 4, 1))
    (line,) = result.indemnity_lines
    assert (line.amount, line.basis) == (gbp(fixed), "uk.LPCDA1998.s5A")
    assert UnitedKingdomRule.fixed_sum(gbp(debt)) == gbp(fixed)


def test_uk_fixed_sum_uses_the_amount_that_was_late(rates):
    result = compute(rates, "uk", gbp("12000.00"), D(2025, 3, 1), [(D(2025, 2, 1), "11500.00")], D(2025, 4, 1))
    assert result.indemnity == gbp("40.00")


# -- errors --------------------------------------------------------------------------------------------------------


def test_a_missing_half_year_is_a_clear_error_never_zero(rates):
    with pytest.raises(MissingRateError) as caught:
        compute(rates, "fr", eur("10000.00"), D(2026, 5, 1), [], D(2026, 8, 1))
    error = caught.value
    assert (error.code, error.table, error.period) == ("penalties.missing_rate", "ecb_mro", "2026-H2")
    assert error.message.startswith("no ECB main refinancing rate for 2026-H2 in ")
    assert str(SHIPPED_DIR / "ecb_mro.csv") in error.message
    assert "add it with `relance rates add ecb_mro 2026-H2 RATE --source TEXT`" in error.message


@pytest.mark.parametrize(("rule", "table"), [("de", "de_basiszins"), ("uk", "boe_reference"), ("eu", "ecb_mro")])
def test_every_statutory_rule_reports_its_missing_table(rates, rule, table):
    currency = "GBP" if rule == "uk" else "EUR"
    with pytest.raises(MissingRateError, match=f"relance rates add {table} 2026-H2"):
        compute(rates, rule, Money.of("100.00", currency), D(2026, 7, 10), [], D(2026, 11, 24))


def test_france_contract_floor_needs_the_legal_rate_of_the_half_year(rates):
    with pytest.raises(MissingRateError, match="relance rates add fr_legal 2026-H2"):
        compute(rates, "fr", eur("100.00"), D(2026, 7, 10), [], D(2026, 11, 24), contract_rate=Decimal("20"))


def test_a_rate_added_for_the_missing_half_year_is_used(rates):
    book = rates.with_rate("ecb_mro", HalfYear(2026, 2), Decimal("2.15"), source="test: assumed for the example")
    result = compute(book, "fr", eur("10000.00"), D(2026, 6, 1), [], D(2026, 8, 1))
    assert summary(result) == [
        (D(2026, 6, 1), D(2026, 7, 1), 30, "10000.00", "12.15", "99.86"),
        (D(2026, 7, 1), D(2026, 8, 1), 31, "10000.00", "12.15", "103.19"),
    ]
    assert result.interest_lines[1].rate_source == "test: assumed for the example"


def test_an_invoice_paid_before_the_missing_half_year_needs_no_rate_for_it(rates):
    result = compute(rates, "fr", eur("10000.00"), D(2025, 3, 15), [(D(2025, 5, 14), "10000.00")], D(2026, 11, 24))
    assert result.interest == eur("216.16")


def test_statutory_rules_without_rate_tables_are_refused():
    with pytest.raises(PenaltyError, match="needs the reference rate tables"):
        compute_penalties(invoice=InvoiceFacts(amount=eur("1.00"), due_date=D(2025, 1, 1)), as_of=D(2025, 2, 1),
                          rule=get_rule("fr"))  # fmt: skip


@pytest.mark.parametrize(("rule", "currency"), [("uk", "EUR"), ("fr", "USD"), ("de", "GBP"), ("eu", "CHF")])
def test_statutory_rules_refuse_another_currency(rates, rule, currency):
    with pytest.raises(PenaltyError, match="only") as caught:
        compute(rates, rule, Money.of("100.00", currency), D(2025, 3, 1), [], D(2025, 4, 1))
    assert caught.value.code == "penalties.currency"


def test_contract_rule_works_in_any_currency_but_its_fee_must_match(rates):
    yen = compute(rates, ContractRule(rate=Decimal("10")), Money.of("100000", "JPY"), D(2025, 3, 1), [], D(2025, 4, 1))
    assert yen.interest == Money.of("849", "JPY")  # 100,000 x 10 % x 31 / 365 = 849.3
    with pytest.raises(PenaltyError, match="fee is in EUR") as caught:
        compute(rates, ContractRule(rate=Decimal("10"), fee=eur("40")), Money.of("100", "USD"), D(2025, 3, 1), [],
                D(2025, 4, 1))  # fmt: skip
    assert caught.value.code == "penalties.currency"


def test_contract_rule_on_a_360_day_basis(rates):
    rule = ContractRule(rate=Decimal("12"), day_basis=360)
    result = compute(rates, rule, eur("3600.00"), D(2025, 3, 1), [], D(2025, 3, 31))
    assert (result.interest, result.interest_lines[0].day_basis, result.indemnity_lines) == (eur("36.00"), 360, ())


def test_payment_in_another_currency_is_refused(rates):
    with pytest.raises(PenaltyError, match="cannot be applied"):
        compute_penalties(
            invoice=InvoiceFacts(amount=eur("100.00"), due_date=D(2025, 3, 1)),
            payments=[(D(2025, 3, 10), gbp("100.00"))],
            as_of=D(2025, 4, 1),
            rule=get_rule("fr"),
            rates=rates,
        )


@pytest.mark.parametrize(
    ("code", "options", "message"),
    [
        ("xx", {}, "unknown penalty rule 'xx'"),
        ("fr", {"colour": "red"}, "bad options"),
        ("contract", {"rate": Decimal("-1")}, "cannot be negative"),
        ("contract", {"rate": Decimal("10"), "day_basis": 366}, "day basis"),
        ("fr", {"contract_rate": Decimal("215.5")}, "outside"),
    ],
)
def test_bad_rules_are_refused(code, options, message):
    with pytest.raises(PenaltyError, match=message):
        get_rule(code, **options)


def test_invoice_facts_are_validated():
    with pytest.raises(PenaltyError, match="positive"):
        InvoiceFacts(amount=eur("0.00"), due_date=D(2025, 1, 1))
    with pytest.raises(PenaltyError, match="before its issue"):
        InvoiceFacts(amount=eur("1.00"), issue_date=D(2025, 2, 1), due_date=D(2025, 1, 1))
