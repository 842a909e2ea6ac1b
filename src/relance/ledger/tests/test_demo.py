"""The demo ledger: deterministic from its seed, realistic in shape, consistent to the cent.

One build of the default size (300 customers, 3,000 invoices) is made per test: it takes well
under a second on SQLite, so the tests check the very data `relance demo` shows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import socket

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.validators import validate_email
from django.db.models import Count, Max, Min, Q, Sum

from relance.accounts.models import Role, User
from relance.core.models import AuditEvent
from relance.ledger.demo import DEMO_EVENT, DemoResult, build_demo, demo_company_ids
from relance.ledger.management.commands.serve import find_free_port, port_is_free
from relance.ledger.models import (
    Allocation,
    AllocationKind,
    Company,
    Contact,
    Customer,
    CustomerStatus,
    Invoice,
    InvoiceKind,
    Membership,
    Payment,
    Tag,
)
from relance.ledger.selectors import BUCKETS, aging_for_company

TODAY = dt.date(2026, 3, 16)


@pytest.fixture
def demo(db) -> DemoResult:
    return build_demo(today=TODAY)


def main_company() -> Company:
    return Company.objects.get(name="Atelier Durand SAS")


def ledger_digest() -> str:
    """A fingerprint of the business data, by natural keys (ids differ between builds)."""
    querysets = [
        Company.objects.order_by("name").values_list(
            "name", "legal_id", "vat_id", "iban", "bic", "city", "currency", "timezone", "language"
        ),
        Tag.objects.order_by("company__name", "name").values_list("company__name", "name"),
        Customer.objects.order_by("company__name", "code").values_list(
            "company__name",
            "code",
            "name",
            "vat_id",
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "country",
            "language",
            "currency",
            "payment_terms_days",
            "status",
            "collector__username",
        ),
        Customer.tags.through.objects.order_by("customer__company__name", "customer__code", "tag__name").values_list(
            "customer__company__name", "customer__code", "tag__name"
        ),
        Contact.objects.order_by("customer__company__name", "customer__code", "email", "name", "phone").values_list(
            "customer__code", "name", "email", "phone", "is_accounts_payable", "is_buyer", "is_finance", "is_primary"
        ),
        Invoice.objects.order_by("company__name", "kind", "number").values_list(
            "company__name",
            "kind",
            "number",
            "customer__code",
            "issue_date",
            "due_date",
            "amount",
            "currency",
            "po_number",
        ),
        Payment.objects.order_by("company__name", "external_ref").values_list(
            "company__name", "external_ref", "customer__code", "date", "amount", "currency", "method", "reference"
        ),
        Allocation.objects.order_by(
            "company__name", "kind", "invoice__number", "payment__external_ref", "credit_note__number", "date", "amount"
        ).values_list(
            "company__name", "kind", "invoice__number", "payment__external_ref", "credit_note__number", "date", "amount"
        ),
    ]
    digest = hashlib.sha256()
    for queryset in querysets:
        for row in queryset:
            digest.update(repr(row).encode())
    return digest.hexdigest()


def wipe() -> None:
    Allocation.objects.all().delete()
    Payment.objects.all().delete()
    Invoice.objects.all().delete()
    Contact.objects.all().delete()
    Customer.objects.all().delete()
    AuditEvent.objects.all().delete()
    Company.objects.all().delete()
    User.objects.all().delete()


# --- determinism --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_same_seed_and_day_give_the_same_ledger() -> None:
    first = build_demo(today=TODAY)
    digest = ledger_digest()
    numbers = list(Invoice.objects.order_by("number").values_list("number", "amount")[:50])
    wipe()
    assert not Invoice.objects.exists()

    second = build_demo(today=TODAY)

    assert ledger_digest() == digest
    assert list(Invoice.objects.order_by("number").values_list("number", "amount")[:50]) == numbers
    assert (first.customers, first.invoices, first.payments, first.allocations) == (
        second.customers,
        second.invoices,
        second.payments,
        second.allocations,
    )
    assert first.admin_password != second.admin_password  # the password is never predictable


@pytest.mark.django_db
def test_another_seed_gives_another_ledger() -> None:
    build_demo(today=TODAY, customers=40, invoices=300)
    digest = ledger_digest()
    wipe()
    build_demo(seed=7, today=TODAY, customers=40, invoices=300)
    assert ledger_digest() != digest


# --- shape --------------------------------------------------------------------------------------


def test_counts(demo: DemoResult) -> None:
    assert Company.objects.count() == 2
    assert Customer.objects.count() == demo.customers == 300
    assert Invoice.objects.count() == demo.invoices == 3000
    credit_notes = Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).count()
    assert credit_notes == demo.credit_notes
    assert 0.04 * 3000 <= credit_notes <= 0.06 * 3000
    assert Payment.objects.count() == demo.payments
    assert 1000 <= demo.payments <= 3000
    assert Allocation.objects.count() == demo.allocations
    assert Contact.objects.count() == demo.contacts
    per_customer = Customer.objects.annotate(n=Count("contacts")).aggregate(low=Min("n"), high=Max("n"))
    assert (per_customer["low"], per_customer["high"]) == (1, 3)
    small = Company.objects.get(name="Northwind Components Ltd")
    assert 10 <= small.customers.count() <= 40
    assert small.currency == "GBP"
    assert small.language == "en"


def test_dates_spread_around_today(demo: DemoResult) -> None:
    span = Invoice.objects.aggregate(first_due=Min("due_date"), last_due=Max("due_date"), last_issue=Max("issue_date"))
    assert TODAY - dt.timedelta(days=120) <= span["first_due"] <= TODAY - dt.timedelta(days=110)
    assert TODAY + dt.timedelta(days=35) <= span["last_due"] <= TODAY + dt.timedelta(days=45)
    assert span["last_issue"] <= TODAY
    assert Payment.objects.aggregate(last=Max("date"))["last"] <= TODAY
    assert Allocation.objects.aggregate(last=Max("date"))["last"] <= TODAY
    terms = {
        (due - issue).days
        for issue, due in Invoice.objects.filter(kind=InvoiceKind.INVOICE).values_list("issue_date", "due_date")
    }
    assert terms == {30, 45, 60}


def test_amounts_and_currencies(demo: DemoResult) -> None:
    invoices = Invoice.objects.filter(kind=InvoiceKind.INVOICE)
    span = invoices.aggregate(low=Min("amount"), high=Max("amount"))
    assert 150_00 <= span["low"] < 500_00
    assert 20_000_00 < span["high"] <= 60_000_00
    assert {"EUR", "GBP", "USD"} <= set(
        Invoice.objects.filter(company=main_company()).values_list("currency", flat=True)
    )
    # a customer's invoices are all in its billing currency
    for customer in Customer.objects.select_related("company"):
        currencies = set(customer.invoices.values_list("currency", flat=True))
        assert currencies <= {customer.currency or customer.company.currency}


def test_customers_look_real(demo: DemoResult) -> None:
    company = main_company()
    customers = Customer.objects.filter(company=company)
    assert customers.filter(code="C00001").exists()
    assert customers.values("name").distinct().count() == customers.count()
    assert set(customers.values_list("language", flat=True)) == {"fr", "en"}
    assert not customers.filter(country="FR").exclude(language="fr").exists()
    assert customers.filter(status=CustomerStatus.PAUSED).exists()
    assert customers.filter(status=CustomerStatus.LITIGATION).exists()
    for tag in ("key account", "public sector", "risky"):
        assert customers.filter(tags__name=tag).exists(), tag
    assert customers.filter(collector__username="camille", language="fr").count() > 100
    assert customers.filter(collector__username="james", language="en").exists()
    assert not customers.filter(collector__username="camille", language="en").exists()
    for email in Contact.objects.values_list("email", flat=True):
        validate_email(email)
        assert email.endswith(".example")
    assert Contact.objects.filter(is_accounts_payable=True, is_primary=True).count() == Customer.objects.count()
    assert Contact.objects.filter(is_buyer=True).exists()
    assert Contact.objects.filter(is_finance=True).exists()


def test_identifiers_pass_the_model_validators(demo: DemoResult) -> None:
    for company in Company.objects.all():
        company.full_clean()  # VAT number, IBAN, BIC, country, currency, time zone
    assert main_company().vat_id.startswith("FR")
    for customer in Customer.objects.all():
        try:
            customer.full_clean()
        except ValidationError as exc:  # pragma: no cover - the message says which customer
            pytest.fail(f"{customer.code} {customer.name}: {exc}")
    assert Customer.objects.exclude(vat_id="").count() > 200


def test_users_memberships_and_audit(demo: DemoResult) -> None:
    admin = User.objects.get(username=demo.admin_username)
    assert admin.is_superuser
    assert admin.check_password(demo.admin_password)
    company = main_company()
    roles = dict(Membership.objects.filter(company=company).values_list("user__username", "role"))
    assert roles == {"admin": Role.ADMINISTRATOR, "camille": Role.COLLECTOR, "james": Role.COLLECTOR}
    assert User.objects.get(username="camille").get_full_name() == "Camille Martin"
    assert User.objects.get(username="camille").language == "fr"
    events = AuditEvent.objects.filter(code=DEMO_EVENT)
    assert events.count() == 2
    assert events.get(company=company).data["today"] == TODAY.isoformat()
    assert demo_company_ids() == sorted(demo.company_ids)


# --- consistency --------------------------------------------------------------------------------


def test_allocations_never_exceed_the_items(demo: DemoResult) -> None:
    over_invoiced = (
        Invoice.objects.exclude(kind=InvoiceKind.CREDIT_NOTE)
        .annotate(used=Sum("allocations__amount"))
        .filter(used__gt=0)
    )
    assert over_invoiced.exists()
    assert not [i for i in over_invoiced if i.used > i.amount]
    payments = Payment.objects.annotate(used=Sum("allocations__amount"))
    for payment in payments:
        assert payment.used is None or payment.used == payment.amount  # fully allocated or on account
    for allocation in Allocation.objects.select_related("invoice", "payment", "credit_note"):
        source = allocation.payment or allocation.credit_note
        assert source is not None
        assert allocation.amount > 0
        assert source.currency == allocation.invoice.currency
        assert source.customer_id == allocation.invoice.customer_id
        assert allocation.date >= allocation.invoice.issue_date
        if allocation.payment is not None:
            assert allocation.date == allocation.payment.date
        else:
            assert allocation.date >= allocation.credit_note.issue_date


def test_credit_notes_partial_payments_and_payments_on_account(demo: DemoResult) -> None:
    credit_notes = Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE)
    assert credit_notes.filter(credit_allocations__isnull=False).exists()  # used on an invoice
    assert credit_notes.filter(credit_allocations__isnull=True).exists()  # still to use
    assert Allocation.objects.filter(kind=AllocationKind.CREDIT_NOTE).exists()
    paid = Invoice.objects.filter(kind=InvoiceKind.INVOICE).annotate(
        by_payment=Sum("allocations__amount", filter=Q(allocations__kind=AllocationKind.PAYMENT)),
        by_credit=Sum("allocations__amount", filter=Q(allocations__kind=AllocationKind.CREDIT_NOTE)),
    )
    partial = [i for i in paid if i.by_payment and i.by_payment + (i.by_credit or 0) < i.amount]
    assert len(partial) >= 20
    full = [i for i in paid if i.by_payment and i.by_payment + (i.by_credit or 0) == i.amount]
    overdue_before = TODAY - dt.timedelta(days=60)
    old = paid.filter(due_date__lt=overdue_before)
    assert sum(1 for i in old if i.by_payment) > 0.6 * old.count()  # most old invoices are paid
    assert len(full) > 1000
    on_account = Payment.objects.filter(allocations__isnull=True)
    assert on_account.exists()
    grouped = Payment.objects.annotate(n=Count("allocations")).filter(n__gt=1)
    assert grouped.exists()  # one transfer for several invoices


def test_aging_has_money_in_every_bucket(demo: DemoResult) -> None:
    aging = aging_for_company(company=main_company(), as_of=TODAY)
    eur = aging["EUR"]
    for bucket in BUCKETS:
        assert getattr(eur, bucket).minor > 0, bucket
    assert eur.credits.minor < 0
    assert eur.overdue.minor > 0
    assert {"EUR", "GBP", "USD"} <= set(aging)


def test_build_takes_a_few_seconds(demo: DemoResult) -> None:
    assert demo.seconds < 10


@pytest.mark.django_db
def test_demo_refuses_too_small_sizes() -> None:
    with pytest.raises(ValueError, match="at least"):
        build_demo(today=TODAY, customers=2, invoices=10)


# --- the command ----------------------------------------------------------------------------------


def run_demo(*args: str) -> str:
    out = io.StringIO()
    call_command("demo", "--no-serve", "--customers", "30", "--invoices", "200", *args, stdout=out)
    return out.getvalue()


def password_in(output: str) -> str:
    line = next(line for line in output.splitlines() if "Password:" in line)
    return line.split("Password:")[1].strip()


@pytest.mark.django_db
def test_command_builds_then_keeps_the_data_with_a_new_password() -> None:
    output = run_demo()
    assert "Relance demo is ready" in output
    assert "Username:    admin" in output
    first = password_in(output)
    assert User.objects.get(username="admin").check_password(first)
    digest = ledger_digest()

    output = run_demo()
    second = password_in(output)
    assert "Kept the existing demo data" in output
    assert second != first
    assert User.objects.get(username="admin").check_password(second)
    assert User.objects.get(username="camille").check_password(second)
    assert ledger_digest() == digest
    assert Customer.objects.count() == 30


@pytest.mark.django_db
def test_command_reset_rebuilds() -> None:
    run_demo()
    User.objects.create_user("alice")
    Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).delete()
    output = run_demo("--reset")
    assert "Deleting the previous demo data" in output
    assert "Building the demo data" in output
    assert Invoice.objects.count() == 200
    assert Company.objects.count() == 2
    assert len(demo_company_ids()) == 2
    assert User.objects.get(username="admin").check_password(password_in(output))
    assert User.objects.filter(username="alice").exists()  # only the demo's own users are replaced


@pytest.mark.django_db
def test_command_never_touches_real_companies(company: Company) -> None:
    with pytest.raises(CommandError, match="did not create"):
        run_demo()
    with pytest.raises(CommandError, match="did not create"):
        run_demo("--reset")
    assert list(Company.objects.all()) == [company]


def test_free_port_is_checked_not_assumed() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert not port_is_free("127.0.0.1", port)
        assert find_free_port("127.0.0.1", port) > port


@pytest.mark.django_db
def test_command_reports_bad_sizes_as_command_errors() -> None:
    with pytest.raises(CommandError, match="at least"):
        call_command("demo", "--no-serve", "--customers", "2", stdout=io.StringIO())
