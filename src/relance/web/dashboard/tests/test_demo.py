"""The dashboard of the demo company (built as `relance demo` builds it) renders in one request,
with the figures of the ledger on it."""

from __future__ import annotations

import datetime as dt

import pytest

from relance.accounts.models import User
from relance.collection.services.run import collection_run
from relance.collection.standard import scenarios_install_standard
from relance.core.audit import Actor
from relance.finance.snapshots import snapshot_take, snapshots_backfill
from relance.ledger.demo import ADMIN_USERNAME, build_demo
from relance.ledger.models import Company
from relance.ledger.selectors import aging_for_company
from relance.web.access import SESSION_KEY
from relance.web.dashboard.figures import Scope, dashboard_figures
from relance.web.dashboard.templatetags.dashboard_format import kpi_days, kpi_percent

TODAY = dt.date(2026, 6, 15)


@pytest.fixture
def demo(db):
    result = build_demo(seed=2026, today=TODAY, customers=60, invoices=600)
    actor = Actor.system("demo")
    for company in Company.objects.filter(pk__in=result.company_ids):
        scenarios_install_standard(company=company, actor=actor)
        collection_run(company=company, today=TODAY, actor=actor, keep_outcomes=False)
        snapshots_backfill(company=company, as_of=TODAY, months=12)
        snapshot_take(company=company, as_of=TODAY)
    return Company.objects.get(pk=result.company_ids[0])


def test_the_demo_dashboard_renders_in_one_request_with_its_figures(client, demo, django_assert_max_num_queries):
    client.force_login(User.objects.get(username=ADMIN_USERNAME))
    session = client.session
    session[SESSION_KEY] = demo.pk
    session.save()

    with django_assert_max_num_queries(16):
        response = client.get("/dashboard/", {"as_of": TODAY.isoformat(), "period": 3})

    assert response.status_code == 200
    html = response.content.decode()
    board = dashboard_figures(company=demo, scope=Scope(customers=demo.customers.all()), as_of=TODAY, months=3)
    block = board.blocks[0]
    assert block.currency == demo.currency
    assert block.count_back.value is not None
    assert block.simple.value is not None
    for figure in (kpi_days(block.count_back), kpi_days(block.simple), kpi_days(block.best_possible),
                   kpi_percent(block.cei)):  # fmt: skip
        assert figure in html
    aging = aging_for_company(company=demo, as_of=TODAY)[demo.currency]
    assert block.overdue == aging.overdue
    assert aging.overdue.format("en") in html
    assert "snapshot of" in html  # the trend comes from the snapshots
    assert demo.name in html
