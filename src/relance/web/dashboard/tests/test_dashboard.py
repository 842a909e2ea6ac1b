"""The dashboard on a hand-computed ledger (see conftest.py): the figures shown are those of the
KPI functions, the filters change them, the permissions and company isolation hold."""

from __future__ import annotations

import re

import pytest

from relance.core.money import Money
from relance.finance.kpis import count_back_dso
from relance.finance.selectors import kpi_inputs
from relance.web.dashboard.tests.conftest import AS_OF
from tests.factories import CustomerFactory, InvoiceFactory

URL = "/dashboard/"


def card(html: str, name: str) -> str:
    """The text of the KPI card `data-kpi=name`, tags removed and spaces squeezed."""
    match = re.search(
        rf'data-kpi="{name}">(.*?)</(?:div|section)>\s*(?=<div class="card kpi"|</div>|<section)', html, re.S
    )
    assert match, name
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def page(client, **params) -> str:
    response = client.get(URL, {"as_of": AS_OF.isoformat(), **params})
    assert response.status_code == 200
    return response.content.decode()


def test_the_figures_are_those_of_the_kpi_functions(manager_client, company, ledger):
    html = page(manager_client, period=3)

    inputs = kpi_inputs(company, end=AS_OF, months=12)["EUR"]
    expected = count_back_dso(
        receivables=inputs.at_end.balance, sales=inputs.sales_recent_first(), days=inputs.days_recent_first()
    )
    assert str(expected.value) == "67.8"
    assert "67.8 days" in card(html, "count-back-dso")
    assert "69.5 days" in card(html, "simple-dso")
    assert "35.2 days" in card(html, "best-possible-dso")
    assert "34.3 days" in card(html, "days-delinquent")
    assert "38.5%" in card(html, "cei")
    assert "€200.00" in card(html, "overdue")
    assert "€405.00" in card(html, "receivables")


def test_the_page_shows_aging_trend_promises_disputes_and_collectors(manager_client, ledger):
    html = page(manager_client, period=3)

    assert '<svg class="chart"' in html
    assert '<title id="aging-EUR-title">' in html
    assert "<desc id=" in html
    assert "Receivables by age, EUR" in html
    assert "Overdue receivables at each month&#x27;s end, EUR" in html
    assert "Mar 2024" in html
    assert "Apr 2023" in html
    assert "ledger at" in html  # no snapshot yet: the ledger gives the month-ends
    assert "66.7%" in html  # promises: 2 kept, 1 broken
    assert "Price" in html
    assert "Quantity" in html
    assert re.search(r"2\s*<span class=\"figure-label\">open</span>", html)
    assert "Camille Martin" in html
    assert "James Smith" in html
    assert "Relance (automatic)" in html
    assert "67.5 days" in html  # the help's worked example (30-day months)


def test_the_trend_reads_the_snapshots_when_there_are_some(manager_client, company, ledger):
    from relance.finance.snapshots import snapshot_take

    snapshot_take(company=company, as_of=AS_OF)
    html = page(manager_client)

    assert "snapshot of 03/31/2024" in html
    assert len(re.findall(r"ledger at \d", html)) == 11  # the eleven months before have no snapshot


def test_a_collector_filter_keeps_only_their_portfolio(manager_client, ledger):
    camille = page(manager_client, collector=ledger["camille"].pk)
    james = page(manager_client, collector=ledger["james"].pk)

    assert "€200.00" in card(camille, "receivables")  # 42 + 158
    assert "€205.00" in card(james, "receivables")
    assert "€0.00" in card(james, "overdue")
    assert "Portfolio of Camille Martin" in camille
    assert "James Smith" not in re.search(r'data-kpi="collectors">.*?</section>', camille, re.S).group(0)


def test_a_tag_filter_keeps_only_its_customers(manager_client, ledger):
    html = page(manager_client, tag=ledger["key"].pk)

    assert "€200.00" in card(html, "receivables")
    assert "customers tagged “key account”" in html
    assert "computed from the ledger" in html


def test_the_period_changes_the_simple_dso_not_the_count_back(manager_client, ledger):
    one = page(manager_client, period=1)

    assert "67.8 days" in card(one, "count-back-dso")
    assert "61.2 days" in card(one, "simple-dso")  # 405 / 205 x 31


def test_bad_filters_give_a_clear_message_and_the_default_figures(manager_client, ledger):
    response = manager_client.get(URL, {"as_of": "2999-01-01", "period": "7", "collector": "abc", "tag": "999"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "cannot show a date after today" in html
    assert "Select a valid choice" in html


def test_several_currencies_each_get_their_own_block(manager_client, company, ledger):
    customer = CustomerFactory(company=company, code="UK1", currency="GBP")
    InvoiceFactory(customer=customer, number="G", issue_date=AS_OF.replace(day=1), currency="GBP", amount=99_00)
    html = page(manager_client)

    assert html.index("Receivables in EUR") < html.index("Receivables in GBP")
    assert "£99.00" in html


def test_a_collector_without_all_customers_sees_only_their_portfolio(client, company, ledger):
    client.force_login(ledger["james"])
    html = page(client)

    assert "€205.00" in card(html, "receivables")
    assert 'name="collector"' not in html
    assert "your portfolio" in html.lower()


def test_read_only_members_read_the_dashboard_but_post_nothing(client, company, member, ledger):
    client.force_login(member(company, role="read_only"))

    assert client.get(URL).status_code == 200
    assert client.get("/dashboard/export.xlsx").status_code == 200
    assert client.post(URL).status_code == 403
    assert client.post("/dashboard/export.xlsx").status_code == 403


def test_other_methods_are_refused_to_writers_too(manager_client, ledger):
    assert manager_client.post(URL).status_code == 405


def test_a_member_of_another_company_sees_nothing_of_this_one(client, company, other_company, member, ledger):
    client.force_login(member(other_company, role="credit_manager"))
    html = page(client)

    assert "405.00" not in html
    assert "Boulangerie" not in html
    assert "Camille" not in html
    response = client.get(URL, {"tag": ledger["key"].pk, "collector": ledger["camille"].pk})
    assert "Select a valid choice" in response.content.decode()
    assert "key account" not in response.content.decode()


def test_the_french_page_formats_for_the_reader(manager_client, ledger):
    manager_client.cookies["django_language"] = "fr"
    html = manager_client.get(URL, {"as_of": AS_OF.isoformat()}, HTTP_ACCEPT_LANGUAGE="fr").content.decode()

    assert "67,8" in card(html, "count-back-dso")
    assert Money(405_00, "EUR").format("fr") in html  # 405,00 € with a no-break space
    assert "405,00" in card(html, "receivables")
    assert "Tableau de bord" in html
    assert "DSO = 30 + 30 + 7,5 = 67,5 jours" in html  # the help's worked example, in French


@pytest.mark.parametrize("size", [3, 30])
def test_the_dashboard_runs_a_fixed_number_of_queries(
    manager_client, company, ledger, size, django_assert_max_num_queries
):
    from relance.collection.models import Action, Dispute, Promise

    for n in range(size):
        customer = CustomerFactory(company=company, collector=ledger["camille"])
        customer.tags.add(ledger["key"])
        InvoiceFactory(customer=customer, issue_date=AS_OF.replace(day=2), amount=10_00 + n)
        Promise.objects.create(company=company, customer=customer, promised_date=AS_OF, amount=1_00, currency="EUR",
                               status="kept")  # fmt: skip
        Dispute.objects.create(company=company, customer=customer, reason="other", opened_on=AS_OF)
        Action.objects.create(company=company, customer=customer, date=AS_OF, family="call", channel="call",
                              status="done", done_at=ledger["k1"].created_at.replace(year=2024, month=3, day=20),
                              done_by="camille")  # fmt: skip
    with django_assert_max_num_queries(16):
        page(manager_client)
    with django_assert_max_num_queries(16):
        page(manager_client, collector=ledger["camille"].pk, tag=ledger["key"].pk)
