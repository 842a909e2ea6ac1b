"""The customers list: portfolio, search, filters, sorting, paging, Excel export, query counts."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from python_calamine import CalamineWorkbook

from relance.collection.models import Action, CustomerScenario, Scenario, ScenarioRule
from relance.ledger.models import Contact, Tag
from tests.factories import CustomerFactory, InvoiceFactory

from .conftest import TODAY, login

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [row.customer.name for row in response.context["rows"]]


def test_a_collector_sees_their_portfolio_with_balances(setup, as_camille):
    response = as_camille.get("/customers/")
    assert response.status_code == 200
    assert names(response) == ["Dupont & Fils"]
    (row,) = response.context["rows"]
    assert row.balance.minor == 300_00 + 864_20 + 1234_56 - 48_00
    assert row.overdue.minor == 300_00 + 864_20
    assert row.oldest_due == dt.date(2026, 2, 14)
    assert row.days_overdue == 20
    assert row.scenario is not None
    content = response.content.decode()
    assert "2,350.76" in content
    assert "1,164.20" in content
    assert "Northwind" not in content
    assert "Garage Leroy" not in content


def test_show_all_is_for_collectors_allowed_to(setup, member):
    allowed = login(member(setup.company, "collector", username="sam", sees_all=True))
    assert names(allowed.get("/customers/")) == []
    assert names(allowed.get("/customers/?all=1")) == ["Dupont & Fils", "Garage Leroy"]
    assert "Show every customer" in allowed.get("/customers/").content.decode()
    plain = login(setup.camille)
    assert names(plain.get("/customers/?all=1")) == ["Dupont & Fils"]
    assert "Show every customer" not in plain.get("/customers/").content.decode()


def test_a_manager_sees_every_customer_of_the_company_only(setup, as_manager):
    response = as_manager.get("/customers/")
    assert names(response) == ["Dupont & Fils", "Garage Leroy"]  # most overdue first
    assert "Northwind" not in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("dupont", ["Dupont & Fils"]),
        ("C-77", ["Garage Leroy"]),
        ("FR 4030", ["Dupont & Fils"]),  # VAT number, spaces ignored
        ("ap@dupont", ["Dupont & Fils"]),  # a contact's e-mail
        ("nobody-here", []),
        ("Northwind", []),  # never another company's
    ],
)
def test_search(setup, as_manager, query, expected):
    assert names(as_manager.get("/customers/", {"q": query})) == expected


def test_filters(setup, as_manager):
    key = Tag.objects.get(name="key account")
    assert names(as_manager.get("/customers/", {"collector": setup.james.pk})) == ["Garage Leroy"]
    assert names(as_manager.get("/customers/", {"collector": "none"})) == []
    assert names(as_manager.get("/customers/", {"tags": [key.pk]})) == ["Dupont & Fils"]
    setup.leroy.status = "litigation"
    setup.leroy.save()
    assert names(as_manager.get("/customers/", {"status": "litigation"})) == ["Garage Leroy"]
    assert names(as_manager.get("/customers/", {"status": "active"})) == ["Dupont & Fils"]
    # Overdue ranges: by the oldest overdue item (Dupont 20 days, Leroy 2 days)
    assert names(as_manager.get("/customers/", {"overdue": "1_30"})) == ["Dupont & Fils", "Garage Leroy"]
    assert names(as_manager.get("/customers/", {"overdue": "31_60"})) == []
    quiet = CustomerFactory(company=setup.company, code="C-90", name="Quiet SARL")
    InvoiceFactory(customer=quiet, number="Q-1", issue_date=TODAY, due_date=TODAY + dt.timedelta(days=30))
    assert names(as_manager.get("/customers/", {"overdue": "none"})) == ["Quiet SARL"]
    ancient = CustomerFactory(company=setup.company, code="C-91", name="Ancient SA")
    InvoiceFactory(customer=ancient, number="A-1", issue_date=dt.date(2025, 9, 1), due_date=dt.date(2025, 10, 1))
    assert names(as_manager.get("/customers/", {"overdue": "over_90"})) == ["Ancient SA"]


def test_scenario_filter_follows_choice_then_rules_then_default(setup, as_manager):
    default = Scenario.objects.get(company=setup.company, is_default=True)
    special = Scenario.objects.create(company=setup.company, name="Key accounts")
    assert names(as_manager.get("/customers/", {"scenario": default.pk})) == ["Dupont & Fils", "Garage Leroy"]
    ScenarioRule.objects.create(company=setup.company, scenario=special, tag=Tag.objects.get(name="key account"))
    assert names(as_manager.get("/customers/", {"scenario": special.pk})) == ["Dupont & Fils"]
    assert names(as_manager.get("/customers/", {"scenario": default.pk})) == ["Garage Leroy"]
    CustomerScenario.objects.create(customer=setup.leroy, scenario=special)
    assert names(as_manager.get("/customers/", {"scenario": special.pk})) == ["Dupont & Fils", "Garage Leroy"]


def test_sorting_by_each_column(setup, as_manager):
    Action.objects.create(
        company=setup.company,
        customer=setup.leroy,
        date=dt.date(2026, 3, 2),
        family="call",
        channel="call",
        status="done",
    )
    Action.objects.create(
        company=setup.company,
        customer=setup.dupont,
        date=dt.date(2026, 3, 9),
        family="message",
        channel="email",
        status="planned",
    )
    expectations = {
        ("name", "asc"): ["Dupont & Fils", "Garage Leroy"],
        ("name", "desc"): ["Garage Leroy", "Dupont & Fils"],
        ("code", "desc"): ["Garage Leroy", "Dupont & Fils"],
        ("open", "asc"): ["Garage Leroy", "Dupont & Fils"],
        ("overdue", "desc"): ["Dupont & Fils", "Garage Leroy"],
        ("oldest_due", "asc"): ["Dupont & Fils", "Garage Leroy"],
        ("oldest_due", "desc"): ["Garage Leroy", "Dupont & Fils"],
        ("last_action", "desc"): ["Garage Leroy", "Dupont & Fils"],  # never contacted: last
        ("next_action", "asc"): ["Dupont & Fils", "Garage Leroy"],
    }
    for (sort, direction), expected in expectations.items():
        response = as_manager.get("/customers/", {"sort": sort, "dir": direction})
        assert names(response) == expected, (sort, direction)
    row = next(r for r in as_manager.get("/customers/").context["rows"] if r.customer == setup.leroy)
    assert row.last_action == dt.date(2026, 3, 2)


def test_bad_parameters_never_break_the_page(setup, as_manager):
    response = as_manager.get(
        "/customers/",
        {"sort": "drop table", "dir": "x", "page": "abc", "collector": "x", "tags": ["z"], "overdue": "42"},
    )
    assert response.status_code == 200


def test_paging(setup, as_manager):
    for n in range(60):
        CustomerFactory(company=setup.company, code=f"P{n:03d}", name=f"Paged {n:03d}")
    first = as_manager.get("/customers/", {"sort": "code"})
    assert first.context["total"] == 62
    assert len(first.context["rows"]) == 50
    second = as_manager.get("/customers/", {"sort": "code", "page": 2})
    assert len(second.context["rows"]) == 12
    assert 'rel="prev"' in second.content.decode()


def test_export_to_excel(setup, as_manager):
    evil = CustomerFactory(company=setup.company, code="=1+2", name='=HYPERLINK("http://x")')
    InvoiceFactory(
        customer=evil, number="E-1", issue_date=dt.date(2026, 1, 1), due_date=dt.date(2026, 1, 31), amount=12_34
    )
    response = as_manager.get("/customers/export.xlsx", {"sort": "name"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    book = CalamineWorkbook.from_filelike(io.BytesIO(response.content))
    rows = book.get_sheet_by_index(0).to_python()
    header = rows[3]
    assert header[:3] == ["Code", "Name", "VAT number"]
    body = rows[4:]
    assert [r[1] for r in body] == ['=HYPERLINK("http://x")', "Dupont & Fils", "Garage Leroy"]
    evil_row, dupont_row = body[0], body[1]
    assert evil_row[0] == "=1+2"  # text, never a formula
    assert dupont_row[9] == 2350.76
    assert dupont_row[10] == 1164.20
    assert dupont_row[11] == dt.datetime(2026, 2, 14) or dupont_row[11] == dt.date(2026, 2, 14)  # a date
    assert dupont_row[7] == "key account"
    assert b"<f>" not in response.content  # no formula in the file
    # The export follows the filters
    filtered = as_manager.get("/customers/export.xlsx", {"q": "leroy"})
    rows = CalamineWorkbook.from_filelike(io.BytesIO(filtered.content)).get_sheet_by_index(0).to_python()
    assert [r[1] for r in rows[4:]] == ["Garage Leroy"]


def test_export_respects_the_portfolio(setup, as_camille):
    response = as_camille.get("/customers/export.xlsx")
    rows = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0).to_python()
    assert [r[1] for r in rows[4:]] == ["Dupont & Fils"]


def _many(setup, count: int) -> None:
    for n in range(count):
        customer = CustomerFactory(
            company=setup.company, code=f"M{n:03d}", name=f"Many {n:03d}", collector=setup.camille
        )
        customer.tags.add(Tag.objects.get(name="key account"))
        Contact.objects.create(company=setup.company, customer=customer, email=f"ap{n}@x.example")
        InvoiceFactory(
            customer=customer,
            number=f"M-{n}",
            issue_date=dt.date(2026, 1, 1),
            due_date=dt.date(2026, 2, 1),
            amount=100_00 + n,
        )
        Action.objects.create(
            company=setup.company,
            customer=customer,
            date=dt.date(2026, 3, 1),
            family="call",
            channel="call",
            status="done",
        )


@pytest.mark.parametrize("count", [5, 50])
def test_the_list_costs_a_fixed_number_of_queries(setup, as_camille, django_assert_max_num_queries, count):
    _many(setup, count)
    with django_assert_max_num_queries(14):
        response = as_camille.get("/customers/")
    assert len(response.context["rows"]) == min(count + 1, 50)
