"""What the customer page shows, read in a fixed number of queries: the account and its statement
with each item's status, promises, disputes, contacts, notes, the scenario and its plan."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from relance.collection.models import (
    CustomerNote,
    CustomerScenario,
    Dispute,
    DisputeStatus,
    Promise,
    PromiseStatus,
    Scenario,
    ScenarioRule,
)
from relance.collection.selectors import PlannedAction, plan_ahead
from relance.collection.statements import StatementBundle, statement_bundle
from relance.core.money import Money
from relance.ledger.models import Company, Contact, Customer
from relance.ledger.selectors import OpenItem
from relance.messaging.models import MessageTemplate, TemplateChannel
from relance.payments.selectors import in_transit_invoice_ids

PLAN_DAYS = 30
STATUS_LABELS = {
    "overdue": _("Overdue"),
    "not_due": _("Not yet due"),
    "promised": _("Payment promised"),
    "disputed": _("Disputed"),
    "in_transit": _("Paid, in transit"),
    "credit": _("Credit"),
}
STATUS_BADGES = {"overdue": "overdue", "not_due": "", "promised": "ok", "disputed": "warn", "in_transit": "ok",
                 "credit": ""}  # fmt: skip
KIND_LABELS = {
    "invoice": _("Invoice"),
    "debit_note": _("Debit note"),
    "credit_note": _("Credit note"),
    "payment": _("Unapplied payment"),
}


@dataclass(frozen=True)
class StatementRow:
    item: OpenItem
    status: str
    selectable: bool  # an invoice or a debit note: may be promised, disputed or sent

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def badge(self) -> str:
        return STATUS_BADGES[self.status]

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS.get(self.item.item_type, self.item.item_type))


@dataclass
class Summary:
    currency: str
    overdue: Money
    not_due: Money
    credits: Money
    balance: Money
    penalties: Money | None  # None when penalties are not shown for this customer


@dataclass
class Account:
    bundle: StatementBundle
    rows: list[StatementRow]
    summaries: list[Summary]
    oldest_due: dt.date | None
    days_overdue: int
    counts: dict[str, int] = field(default_factory=dict)


def account_for(*, company: Company, customer: Customer, today: dt.date) -> Account:
    bundle = statement_bundle(company=company, customer=customer, as_of=today)
    promised = frozenset(
        Promise.invoices.through.objects.filter(
            promise__customer=customer, promise__status=PromiseStatus.OPEN
        ).values_list("invoice_id", flat=True)
    )
    transit = frozenset(in_transit_invoice_ids(customer))
    rows, counts = [], dict.fromkeys(STATUS_LABELS, 0)
    for item in bundle.statement.items:
        if item.is_credit:
            status = "credit"
        elif item.item_id in transit:
            status = "in_transit"
        elif item.item_id in bundle.disputed_invoice_ids:
            status = "disputed"
        elif item.item_id in promised:
            status = "promised"
        else:
            status = "overdue" if item.is_overdue else "not_due"
        counts[status] += 1
        rows.append(StatementRow(item, status, selectable=not item.is_credit))
    summaries = []
    for currency, totals in bundle.statement.totals.items():
        penalties = bundle.penalties.total(currency) if bundle.penalties.enabled else None
        summaries.append(Summary(currency, totals.overdue, totals.not_due, totals.credits, totals.balance, penalties))
    oldest = bundle.statement.oldest_due_date
    return Account(bundle, rows, summaries, oldest, bundle.statement.max_days_overdue, counts)


def scenario_for(*, customer: Customer, open_minor: int) -> Scenario | None:
    """The scenario the customer follows: chosen for them, else the first rule that matches, else
    the company's default (the engine's order)."""
    chosen = CustomerScenario.objects.filter(customer=customer).select_related("scenario").first()
    if chosen is not None:
        return chosen.scenario
    tag_ids = {tag.pk for tag in customer.tags.all()}
    for rule in ScenarioRule.objects.filter(company_id=customer.company_id).select_related("scenario"):
        if rule.tag_id is not None and rule.tag_id not in tag_ids:
            continue
        if rule.country and rule.country != customer.country:
            continue
        if rule.min_open_minor is not None and open_minor < rule.min_open_minor:
            continue
        return rule.scenario
    return Scenario.objects.filter(company_id=customer.company_id, is_default=True).first()


@dataclass(frozen=True)
class PlanLine:
    date: dt.date
    channel: str
    step: str
    mode: str
    template: str
    invoices: list[str]


def plan_for(*, company: Company, customer: Customer, today: dt.date, numbers: dict[int, str]) -> list[PlanLine]:
    """What the scenario would do to this customer over the next 30 days if nothing changed."""
    planned: list[PlannedAction] = plan_ahead(company=company, start=today, days=PLAN_DAYS, customer=customer)
    return [
        PlanLine(
            date=p.date,
            channel=str(p.decision.step.channel),
            step=f"{p.decision.step.label} · {p.decision.step.name}",
            mode=str(p.decision.step.mode),
            template=p.decision.step.template,
            invoices=[numbers.get(pk, str(pk)) for pk in p.decision.item_ids],
        )
        for p in planned
        if p.customer_id == customer.pk
    ]


def disputes_for(customer: Customer) -> list[Dispute]:
    """Open disputes, then the ten most recently closed."""
    base = Dispute.objects.filter(customer=customer).select_related("owner").prefetch_related("invoices", "comments")
    opened = list(base.filter(status=DisputeStatus.OPEN).order_by("-opened_on", "-id"))
    closed = list(base.exclude(status=DisputeStatus.OPEN).order_by("-resolved_on", "-id")[:10])
    return opened + closed


def promises_for(customer: Customer) -> list[Promise]:
    """Open promises, then the ten most recent others."""
    base = Promise.objects.filter(customer=customer).select_related("created_by").prefetch_related("invoices")
    opened = list(base.filter(status=PromiseStatus.OPEN).order_by("promised_date", "id"))
    others = list(base.exclude(status=PromiseStatus.OPEN).order_by("-promised_date", "-id")[:10])
    return opened + others


def contacts_for(customer: Customer) -> list[Contact]:
    return list(Contact.objects.filter(customer=customer).order_by("-is_primary", "name", "id"))


def notes_for(customer: Customer, *, recent: int = 5) -> tuple[list[CustomerNote], list[CustomerNote]]:
    """(pinned notes, the latest unpinned ones)."""
    base = CustomerNote.objects.filter(customer=customer).order_by("-created_at", "-id")
    return list(base.filter(pinned=True)), list(base.filter(pinned=False)[:recent])


def email_templates(company: Company) -> list[tuple[str, str]]:
    """(code, name) of the company's e-mail templates, one per code."""
    seen: dict[str, str] = {}
    for code, name, language in MessageTemplate.objects.filter(
        company=company, channel=TemplateChannel.EMAIL
    ).values_list("code", "name", "language"):
        if code not in seen or language == company.language:
            seen[code] = name or code
    return sorted(seen.items(), key=lambda pair: pair[1].lower())
