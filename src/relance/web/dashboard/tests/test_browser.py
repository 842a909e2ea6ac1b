"""In real Chromium: a credit manager reads the dashboard of a demo-like company, filters it by
collector, opens the help and exports it. Screenshot: workspace-dashboard.png (pytest's base
temporary directory; with RELANCE_SAVE_SCREENSHOTS=1 also docs/screenshots/)."""

from __future__ import annotations

import datetime as dt
from random import Random

import pytest
from django.utils import timezone

from relance.accounts.models import User
from relance.collection.models import Action, ActionStatus, Dispute, DisputeReason, Promise
from relance.collection.services.run import collection_run
from relance.collection.standard import scenarios_install_standard
from relance.core.audit import Actor
from relance.finance.snapshots import snapshot_take, snapshots_backfill
from relance.ledger.demo import ADMIN_USERNAME, COLLECTORS, build_demo
from relance.ledger.models import Company
from relance.ledger.selectors import company_today
from relance.web.access import SESSION_KEY
from tests.browser import screenshot

pytestmark = pytest.mark.browser


def _activity(company: Company, today: dt.date) -> None:
    """Promises, disputes and collectors' work as a few weeks of use would leave them."""
    rng = Random(7)
    customers = list(company.customers.order_by("code")[:60])
    collectors = {u.username: u for u in User.objects.filter(username__in=[c.username for c in COLLECTORS])}
    for index, customer in enumerate(customers[:36]):
        status = rng.choice(["kept", "kept", "kept", "broken", "open"])
        Promise.objects.create(company=company, customer=customer, currency=company.currency, amount=500_00,
                               promised_date=today - dt.timedelta(days=rng.randint(1, 80)), status=status)  # fmt: skip
        if index % 3 == 0:
            opened = today - dt.timedelta(days=rng.randint(5, 85))
            resolved = index % 2 == 0
            Dispute.objects.create(
                company=company, customer=customer, reason=rng.choice(DisputeReason.values), opened_on=opened,
                status="resolved" if resolved else "open",
                resolved_on=opened + dt.timedelta(days=rng.randint(2, 20)) if resolved else None,
            )  # fmt: skip
    for index, customer in enumerate(customers):
        for back in (3, 17, 33):
            channel, family = rng.choice([("call", "call"), ("email", "message"), ("letter", "message")])
            who = rng.choice([*collectors, "outbox"]) if channel == "email" else rng.choice(list(collectors))
            day = today - dt.timedelta(days=back + index % 5)
            Action.objects.get_or_create(
                customer=customer, date=day, family=family,
                defaults={"company": company, "channel": channel, "status": ActionStatus.DONE, "done_by": who,
                          "done_at": timezone.make_aware(dt.datetime.combine(day, dt.time(10)))},
            )  # fmt: skip


@pytest.mark.django_db(transaction=True)
def test_a_credit_manager_reads_the_dashboard(live_server, page, client, tmp_path_factory):
    today = dt.date.today()
    result = build_demo(seed=2026, today=today, customers=160, invoices=1600)
    company = Company.objects.get(pk=result.company_ids[0])
    actor = Actor.system("demo")
    scenarios_install_standard(company=company, actor=actor)
    collection_run(company=company, today=company_today(company), actor=actor, keep_outcomes=False)
    snapshots_backfill(company=company, as_of=company_today(company), months=12)
    snapshot_take(company=company, as_of=company_today(company))
    _activity(company, company_today(company))

    client.force_login(User.objects.get(username=ADMIN_USERNAME))
    session = client.session
    session[SESSION_KEY] = company.pk
    session.save()
    cookie = client.cookies["sessionid"]
    page.context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": live_server.url}])
    page.set_viewport_size({"width": 1360, "height": 900})

    page.goto(f"{live_server.url}/dashboard/")
    assert page.get_by_role("heading", name="Dashboard", exact=True).is_visible()
    assert page.locator('[data-kpi="count-back-dso"] .figure').first.inner_text().endswith("days")
    aging = page.get_by_role("img", name=f"Receivables by age, {company.currency}")
    assert aging.is_visible()
    blocks = page.locator("section.currency-block").count()
    assert blocks >= 1
    assert page.locator("svg.chart").count() == 2 * blocks  # aging and trend for each currency
    page.get_by_label("Collector", exact=True).select_option(label="Camille Martin")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**collector=*")
    assert "Portfolio of Camille Martin" in page.content()
    page.get_by_label("Collector", exact=True).select_option(label="Whole company")
    page.get_by_role("button", name="Show").click()
    page.wait_for_load_state()

    screenshot(page, "workspace-dashboard.png", tmp_path_factory.getbasetemp())

    with page.expect_download() as download:
        page.get_by_role("link", name="Export to Excel").click()
    assert download.value.suggested_filename.endswith(".xlsx")
