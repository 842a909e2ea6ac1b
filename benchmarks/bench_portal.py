"""The customer's interactive page with 200 open items vs a bare Django view, same process.

    .venv/bin/python benchmarks/bench_portal.py [--items 200] [--requests 300] [--runs 3] [--database-url URL]

Both are served by the same Django stack (every middleware of the project's settings: sessions,
locale, CSRF, auth, messages...) through Django's test client, in one process, one request after
the other: the bare view returns "ok" from a URL added for the benchmark; the page resolves the
signed link, reads the statement (200 open items: overdue, not yet due, some promised, some
disputed, a credit note), the statuses and PDFs, draws the EPC QR code and renders the template
with its ten answer forms. The database is SQLite in a temporary directory (or the given URL).
The runs alternate page and bare view; the best of each is kept. Target: the page at ≥ 30 % of
the bare view's requests per second. Exit 0 when met, 1 when missed, 2 when a page is wrong.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "src")]
TARGET = 0.30


def empty(request):  # type: ignore[no-untyped-def]
    from django.http import HttpResponse

    return HttpResponse("ok")


def bare_items(request, customer_id):  # type: ignore[no-untyped-def]
    """The least a Django view can do to list the same items: one query, a bare HTML table."""
    from django.http import HttpResponse
    from django.utils.html import escape

    from relance.ledger.models import Invoice

    rows = Invoice.objects.filter(customer_id=customer_id).values_list("number", "due_date", "amount", "currency")
    cells = "".join(f"<tr><td>{escape(n)}</td><td>{d}</td><td>{a / 100:.2f} {c}</td></tr>" for n, d, a, c in rows)
    return HttpResponse(f"<!DOCTYPE html><html><body><table>{cells}</table></body></html>")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=200)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="bench-portal-")
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    os.environ["RELANCE_DEBUG"] = "0"
    os.environ["RELANCE_VAR_DIR"] = tmp.name
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite:///{tmp.name}/bench.sqlite3"
    os.environ.setdefault("RELANCE_ALLOWED_HOSTS", "testserver")
    import django
    from django.conf import settings

    django.setup()
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.ROOT_URLCONF = "bench_portal_urls"
    import types

    from django.urls import include, path

    urls = types.ModuleType("bench_portal_urls")
    urls.urlpatterns = [path("empty/", empty), path("bare/<int:customer_id>/", bare_items),
                        path("", include("config.urls"))]  # fmt: skip  # type: ignore[attr-defined]
    sys.modules["bench_portal_urls"] = urls

    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    token, numbers, customer_id = _data(args.items)

    from django.test import Client

    client = Client()
    page_url = f"/p/{token}/"
    response = client.get(page_url)
    body = response.content.decode()
    missing = [n for n in numbers if n not in body]
    if response.status_code != 200 or missing or "badge disputed" not in body or "data:image/svg+xml" not in body:
        print(f"WRONG: status {response.status_code}, {len(missing)} items missing: {missing[:5]}", file=sys.stderr)
        return 2
    bare_url = f"/bare/{customer_id}/"
    if client.get("/empty/").content != b"ok" or any(n not in client.get(bare_url).content.decode() for n in numbers):
        return 2

    def rate(url: str) -> float:
        start = time.perf_counter()
        for _ in range(args.requests):
            client.get(url)
        return args.requests / (time.perf_counter() - start)

    page_rates, bare_rates, empty_rates = [], [], []
    for _ in range(args.runs):
        page_rates.append(rate(page_url))
        bare_rates.append(rate(bare_url))
        empty_rates.append(rate("/empty/"))
    page_rps, bare_rps, empty_rps = max(page_rates), max(bare_rates), max(empty_rates)
    ratio = page_rps / bare_rps
    print(f"items on the page        {args.items}")
    print(f"page size                {len(response.content) / 1024:.0f} KiB")
    print(f"empty view ('ok')        {empty_rps:8.0f} req/s   ({1000 / empty_rps:.2f} ms)")
    print(f"bare view, same items    {bare_rps:8.0f} req/s   ({1000 / bare_rps:.2f} ms)")
    print(f"interactive page         {page_rps:8.0f} req/s   ({1000 / page_rps:.2f} ms)")
    print(f"page / empty view        {page_rps / empty_rps:.3f}   (not judged: an empty view reads no data)")
    print(f"page / bare items view   {ratio:.2f}   (target >= {TARGET:.2f})  {'PASS' if ratio >= TARGET else 'MISS'}")
    tmp.cleanup()
    return 0 if ratio >= TARGET else 1


def _data(count: int) -> tuple[str, list[str], int]:
    from relance.accounts.models import User
    from relance.collection.models import CollectionSettings, Dispute, Promise
    from relance.ledger.models import Company, Contact, Customer, Invoice
    from relance.ledger.selectors import company_today
    from relance.messaging.links import issue_link

    company = Company.objects.create(
        name="Atelier Durand", legal_name="Atelier Durand SAS", iban="FR7630006000011234567890189", bic="AGRIFRPP",
        email="compta@durand.example", city="Lyon", postal_code="69002",
    )  # fmt: skip
    CollectionSettings.objects.create(company=company)
    collector = User.objects.create_user("camille", email="camille@durand.example", first_name="Camille")
    customer = Customer.objects.create(company=company, code="C-42", name="Dupont & Fils", language="fr",
                                       collector=collector)  # fmt: skip
    contact = Contact.objects.create(company=company, customer=customer, name="AP", email="ap@dupont.example",
                                     is_accounts_payable=True)  # fmt: skip
    today = company_today(company)
    invoices = [
        Invoice(company=company, customer=customer, number=f"F-{i:06d}", issue_date=today - dt.timedelta(days=90),
                due_date=today - dt.timedelta(days=60 - i // 2), amount=10_000 + 137 * i, currency="EUR",
                kind="credit_note" if i == count - 1 else "invoice")
        for i in range(count)
    ]  # fmt: skip
    Invoice.objects.bulk_create(invoices)
    invoices = list(Invoice.objects.filter(customer=customer).order_by("number"))
    promise = Promise.objects.create(company=company, customer=customer, promised_date=today + dt.timedelta(days=10),
                                     amount=100, currency="EUR", source="portal")  # fmt: skip
    promise.invoices.set(invoices[:10])
    dispute = Dispute.objects.create(company=company, customer=customer, reason="price", opened_on=today)
    dispute.invoices.set(invoices[10:15])
    _link, token = issue_link(customer=customer, contact=contact)
    return token, [inv.number for inv in invoices], customer.pk


if __name__ == "__main__":
    sys.exit(main())
