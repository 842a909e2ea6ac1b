"""Rate tables: half-years, the shipped files, the site folder, and the `relance rates` command."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
import time_machine
from django.core.management import CommandError, call_command

from relance.finance.penalties import TABLES, HalfYear, PenaltyError, RateBook, RateFileError, parse_rate
from relance.finance.rates_store import (
    HEADER,
    SHIPPED_DIR,
    add_rate,
    load_rate_book,
    missing_rates,
    read_rate_file,
    site_rates_dir,
)

FIRST, LAST = HalfYear(2015, 1), HalfYear(2026, 1)
TODAY = dt.date(2026, 11, 24)


def half_years(first: HalfYear, last: HalfYear) -> list[HalfYear]:
    periods = [first]
    while periods[-1] < last:
        periods.append(periods[-1].next())
    return periods


def shipped(tmp_path: Path) -> RateBook:
    return load_rate_book(site_dir=tmp_path / "empty-site")


# -- half-years and rates ------------------------------------------------------------------------------------------


def test_half_year_arithmetic():
    h2 = HalfYear.parse("2025-H2")
    assert (h2.start, h2.end, (h2.end - h2.start).days) == (dt.date(2025, 7, 1), dt.date(2026, 1, 1), 184)
    assert (str(h2.next()), str(h2.previous()), str(HalfYear(2024, 1).previous())) == ("2026-H1", "2025-H1", "2023-H2")
    assert HalfYear.of(dt.date(2025, 6, 30)) == HalfYear(2025, 1)
    assert HalfYear.of(dt.date(2025, 7, 1)) == h2
    assert HalfYear(2025, 1) < h2 < HalfYear(2026, 1)


@pytest.mark.parametrize("text", ["2025-H3", "2025H1", "25-H1", "2025-h1x", "", "2025-S1"])
def test_bad_half_years_are_refused_with_the_expected_form(text):
    with pytest.raises(PenaltyError, match="YYYY-H1 or YYYY-H2"):
        HalfYear.parse(text)


@pytest.mark.parametrize(("text", "value"), [("2.15", "2.15"), (" -0.88 ", "-0.88"), ("0", "0"), ("4.125", "4.125")])
def test_rates_are_parsed_as_decimals(text, value):
    assert parse_rate(text) == Decimal(value)


@pytest.mark.parametrize(
    ("text", "message"),
    [("abc", "not a rate"), ("NaN", "not a rate"), ("2.1234", "decimals"), ("215", "outside"), ("-11", "outside")],
)
def test_bad_rates_are_refused(text, message):
    with pytest.raises(PenaltyError, match=message):
        parse_rate(text)


# -- the shipped files ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(TABLES))
def test_shipped_tables_have_every_half_year_with_a_source(tmp_path, name):
    rows = read_rate_file(SHIPPED_DIR / f"{name}.csv")
    assert [row.period for row in rows] == half_years(FIRST, LAST)
    assert all(len(row.source) > 20 for row in rows)
    assert shipped(tmp_path).table(name).periods() == half_years(FIRST, LAST)


def test_shipped_tables_match_well_known_values(tmp_path):
    book = shipped(tmp_path)
    known = {
        ("ecb_mro", "2022-H2"): "0.00",  # the hike of 27 July 2022 came after 1 July
        ("ecb_mro", "2025-H1"): "3.15",
        ("ecb_mro", "2025-H2"): "2.15",
        ("de_basiszins", "2016-H2"): "-0.88",
        ("de_basiszins", "2023-H1"): "1.62",
        ("de_basiszins", "2023-H2"): "3.12",
        ("boe_reference", "2016-H1"): "0.50",
        ("boe_reference", "2022-H2"): "1.25",
        ("boe_reference", "2026-H1"): "3.75",
        ("fr_legal", "2025-H1"): "3.71",
    }
    for (table, period), rate in known.items():
        assert book.rate(table, HalfYear.parse(period)).rate == Decimal(rate), (table, period)


def _rate_in_force(changes: list[tuple[dt.date, Decimal]], day: dt.date) -> Decimal:
    return [rate for changed, rate in sorted(changes) if changed <= day][-1]


@pytest.mark.shared_data
def test_shipped_tables_are_recomputed_from_the_reference_data(tmp_path, shared_data):
    """Every shipped row is derived again from ../shared/data/rates: a typo in a file cannot pass."""
    folder = shared_data / "rates"
    book = shipped(tmp_path)

    def rows(name: str) -> list[dict[str, str]]:
        with (folder / name).open(encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    ecb = [(dt.date.fromisoformat(r["effective_date"]), Decimal(r["main_refinancing_operations_rate_pct"]))
           for r in rows("ecb_mro_rates_since_2014.csv")]  # fmt: skip
    france = {r["semester"]: r for r in rows("france_L441-10_default_penalty_rates.csv")}
    boe = [(dt.date.fromisoformat(r["date"]), Decimal(r["rate"]))
           for r in rows("sources/boe_interest-rates-gb_data.csv")]  # fmt: skip
    boe += [(dt.date.fromisoformat(r["date_changed"]), Decimal(r["bank_rate_pct"]))
            for r in rows("uk_boe_bank_rate_changes_since_2018.csv")]  # fmt: skip
    uk = {r["period"]: Decimal(r["reference_rate_pct(BoE rate on 31 Dec / 30 Jun before)"])
          for r in rows("uk_late_payment_statutory_rates.csv")}  # fmt: skip
    series = json.loads((folder / "sources/bundesbank_basiszins_ameax.json").read_text())["data"]
    basiszins = {key: Decimal(str(value)) for key, value in series.items()}
    germany = {r["half_year_from"]: Decimal(r["basiszinssatz_pct"])
               for r in rows("germany_basiszinssatz_and_B2B_verzugszins.csv")}  # fmt: skip

    for period in half_years(FIRST, LAST):
        label = str(period)
        ecb_rate = book.rate("ecb_mro", period).rate
        assert ecb_rate == Decimal(france[label]["ecb_mro_rate_in_force_on_first_day_pct"]), label
        assert ecb_rate == _rate_in_force(ecb, period.start), label
        assert ecb_rate + 10 == Decimal(france[label]["default_penalty_rate_pct(ECB+10)"]), label

        legal = book.rate("fr_legal", period).rate
        assert legal == Decimal(france[label]["taux_interet_legal_autres_cas_pct"]), label
        assert legal * 3 == Decimal(france[label]["contractual_floor_3x_legal_pct"]), label

        boe_rate = book.rate("boe_reference", period).rate
        assert boe_rate == _rate_in_force(boe, period.start - dt.timedelta(days=1)), label
        if label in uk:
            assert boe_rate == uk[label], label

        de_rate = book.rate("de_basiszins", period).rate
        month = f"{period.year}-{'01' if period.half == 1 else '07'}"
        if f"{month}-01" in germany:
            assert de_rate == germany[f"{month}-01"], label
        if period < HalfYear(2026, 1):  # the Bundesbank series was read on 2025-10-02
            assert de_rate == basiszins[max(key for key in basiszins if key <= month)], label


# -- reading files -------------------------------------------------------------------------------------------------


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("when,rate,source\n", "first line must be period,rate_pct,source"),
        ("period,rate_pct,source\n2026-H3,2.15,x\n", "line 2: not a half-year"),
        ("period,rate_pct,source\n2026-H2,two,x\n", "line 2: not a rate"),
        ("period,rate_pct,source\n2026-H2,2.15,\n", "line 2: the rate for 2026-H2 needs a source"),
        ("period,rate_pct,source\n2026-H2,2.15\n", "line 2: expected 3 columns"),
        ("period,rate_pct,source\n2026-H1,2.15,a\n\n2026-H1,2.15,b\n", "line 4: 2026-H1 is already on line 2"),
    ],
)
def test_bad_rate_files_name_the_file_and_line(tmp_path, text, message):
    path = write(tmp_path / "ecb_mro.csv", text)
    with pytest.raises(RateFileError, match=message) as caught:
        read_rate_file(path)
    assert str(path) in caught.value.message


def test_site_rows_are_added_and_win_over_shipped_rows(tmp_path):
    site = tmp_path / "site"
    write(site / "ecb_mro.csv", "period,rate_pct,source\n2026-H2,2.00,site decision\n2025-H1,3.20,corrected\n")
    book = load_rate_book(site_dir=site)
    table = book.table("ecb_mro")
    assert table.rate_for(HalfYear(2026, 2)).rate == Decimal("2.00")
    assert table.rate_for(HalfYear(2025, 1)).source == "corrected"
    assert table.rate_for(HalfYear(2025, 2)).origin == str(SHIPPED_DIR / "ecb_mro.csv")
    assert table.origins == (str(SHIPPED_DIR / "ecb_mro.csv"), str(site / "ecb_mro.csv"))
    assert book.table("de_basiszins").get(HalfYear(2026, 2)) is None


def test_the_book_is_read_again_when_a_file_changes(tmp_path):
    site = tmp_path / "site"
    path = write(site / "fr_legal.csv", "period,rate_pct,source\n2026-H2,2.50,first\n")
    assert load_rate_book(site_dir=site) is load_rate_book(site_dir=site)  # cached
    write(path, "period,rate_pct,source\n2026-H2,2.55,second\n")
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000_000))
    assert load_rate_book(site_dir=site).rate("fr_legal", HalfYear(2026, 2)).rate == Decimal("2.55")


# -- adding rates --------------------------------------------------------------------------------------------------


def test_add_rate_writes_the_site_file_sorted(tmp_path):
    site = tmp_path / "site"
    added = add_rate(table="de_basiszins", period="2026-H2", rate="1.27", source="Bundesbank", today=TODAY,
                     site_dir=site)  # fmt: skip
    assert added.path == site / "de_basiszins.csv"
    assert added.replaced is None
    add_rate(table="de_basiszins", period="2014-H2", rate="-0.73", source="Bundesbank", today=TODAY, site_dir=site)
    with added.path.open(encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == [list(HEADER), ["2014-H2", "-0.73", "Bundesbank"],
                                            ["2026-H2", "1.27", "Bundesbank"]]  # fmt: skip
    assert load_rate_book(site_dir=site).rate("de_basiszins", HalfYear(2026, 2)).rate == Decimal("1.27")


def test_add_rate_refuses_duplicates_unless_replace(tmp_path):
    site = tmp_path / "site"
    with pytest.raises(PenaltyError, match=r"ecb_mro already has 2025-H1: 3.15 % from .*ecb_mro.csv") as caught:
        add_rate(table="ecb_mro", period="2025-H1", rate="3.20", source="x", today=TODAY, site_dir=site)
    assert caught.value.code == "penalties.rate_exists"
    added = add_rate(table="ecb_mro", period="2025-H1", rate="3.20", source="x", today=TODAY, site_dir=site,
                     replace=True)  # fmt: skip
    assert added.replaced is not None
    assert added.replaced.rate == Decimal("3.15")
    add_rate(table="ecb_mro", period="2026-H2", rate="2.15", source="first", today=TODAY, site_dir=site)
    with pytest.raises(PenaltyError, match="already has 2026-H2"):
        add_rate(table="ecb_mro", period="2026-H2", rate="2.40", source="second", today=TODAY, site_dir=site)
    add_rate(table="ecb_mro", period="2026-H2", rate="2.40", source="second", today=TODAY, site_dir=site, replace=True)
    rows = read_rate_file(site / "ecb_mro.csv")
    assert [(str(r.period), str(r.rate), r.source) for r in rows] == [
        ("2025-H1", "3.20", "x"),
        ("2026-H2", "2.40", "second"),
    ]


@pytest.mark.parametrize(
    ("table", "period", "rate", "source", "message"),
    [
        ("ecb", "2026-H2", "2.15", "x", "unknown rate table 'ecb'"),
        ("ecb_mro", "2026-2", "2.15", "x", "not a half-year"),
        ("ecb_mro", "2026-H2", "215", "x", "outside"),
        ("ecb_mro", "2026-H2", "2.15", "  ", "--source is required"),
        ("ecb_mro", "2027-H2", "2.15", "x", "too far ahead: on 2026-11-24 the latest rate that can be known is 2027-H"),
    ],
)
def test_add_rate_validates(tmp_path, table, period, rate, source, message):
    with pytest.raises(PenaltyError, match=message):
        add_rate(table=table, period=period, rate=rate, source=source, today=TODAY, site_dir=tmp_path)
    assert not list(tmp_path.iterdir())


def test_missing_rates_lists_the_tables_without_the_half_year(tmp_path):
    book = shipped(tmp_path)
    assert missing_rates(on=dt.date(2026, 3, 1), book=book) == []
    missing = missing_rates(on=TODAY, book=book.with_rate("ecb_mro", HalfYear(2026, 2), Decimal("2"), source="t"))
    assert [(spec.name, str(period)) for spec, period in missing] == [
        ("de_basiszins", "2026-H2"),
        ("boe_reference", "2026-H2"),
        ("fr_legal", "2026-H2"),
    ]


# -- the command ---------------------------------------------------------------------------------------------------


@pytest.fixture
def site(settings, tmp_path) -> Path:
    settings.RELANCE_RATES_DIR = tmp_path / "rates"
    return settings.RELANCE_RATES_DIR


def run(*args: str) -> str:
    out = StringIO()
    call_command("rates", *args, stdout=out)
    return out.getvalue()


def test_site_folder_comes_from_the_settings(settings, tmp_path):
    settings.RELANCE_RATES_DIR = str(tmp_path / "x")
    assert site_rates_dir() == tmp_path / "x"
    settings.RELANCE_RATES_DIR = None
    settings.VAR_DIR = tmp_path / "var"
    assert site_rates_dir() == tmp_path / "var" / "rates"


def test_command_list(site):
    output = run("list", "--table", "de_basiszins")
    assert output.startswith("de_basiszins: Basiszinssatz")
    assert "  2023-H1     1.62 %  shipped  Deutsche Bundesbank" in output
    assert "ecb_mro" not in output
    assert "fr_legal:" in run("list")


@time_machine.travel(dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC))
def test_command_add_then_check(site):
    with pytest.raises(CommandError, match="4 rate table\\(s\\) lack 2026-H2"):
        run("check")
    output = run("add", "ecb_mro", "2026-H2", "2.15", "--source", "ECB decision (test)")
    assert output == f"added ecb_mro 2026-H2 = 2.15 % to {site / 'ecb_mro.csv'}\n"
    assert "2026-H2     2.15 %  site     ECB decision (test)" in run("list", "--table", "ecb_mro")
    with pytest.raises(CommandError, match="already has 2026-H2"):
        run("add", "ecb_mro", "2026-H2", "2.15", "--source", "again")
    assert "replaces 2.15 %" in run("add", "ecb_mro", "2026-H2", "2.40", "--source", "fix", "--replace")
    for table in ("de_basiszins", "boe_reference", "fr_legal"):
        run("add", table, "2026-H2", "1.00", "--source", "test")
    assert run("check").endswith("all rate tables have 2026-H2\n")


def test_command_check_on_a_covered_date(site):
    output = run("check", "--date", "2026-03-01")
    assert "ecb_mro        2026-H1     2.15 %" in output
    assert output.endswith("all rate tables have 2026-H1\n")


def test_command_check_reports_how_to_add_what_is_missing(site):
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("rates", "check", "--date", "2026-07-01", stdout=out)
    expected = "boe_reference  2026-H2  MISSING  add it with `relance rates add boe_reference 2026-H2 RATE"
    assert expected in out.getvalue()


@time_machine.travel(dt.datetime(2026, 11, 24, 10, tzinfo=dt.UTC))
def test_command_add_refuses_bad_input(site):
    with pytest.raises(CommandError, match="not a half-year"):
        run("add", "ecb_mro", "2026-7", "2.15", "--source", "x")
    with pytest.raises(CommandError, match="invalid choice"):
        run("add", "ecb", "2026-H2", "2.15", "--source", "x")
    assert not site.exists()
