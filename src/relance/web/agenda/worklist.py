"""The collector's work list: every task of the day and every late one, in one priority order.

A task is one of: a call to make, an e-mail waiting for confirmation, a letter to print, another
task decided by the scenario (hand-over to litigation, an address to fix), a promise to pay falling
due, a promise broken in the last days, or an answer sent from the customer's page. Actions come
from the daily run (`collection.Action`, with the engine's priority: amount overdue x days
overdue, doubled after a broken promise); promises and portal answers get a priority on the same
scale, so one list is ordered by what matters most.

Everything is read in a fixed number of queries (one per kind, plus the customers' balances and
contacts), whatever the number of tasks.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from relance.collection.models import Action, ActionItem, ActionStatus, Promise, PromiseStatus
from relance.collection.models.actions import OPEN_STATUSES
from relance.core.money import Money, currency_exponent
from relance.ledger.models import Contact, Customer, Invoice
from relance.ledger.selectors import customer_balances
from relance.portal.models import PortalSubmission, SubmissionStatus
from relance.web.access import Workspace

CALL, EMAIL, LETTER, TASK = "call", "email", "letter", "task"
PROMISE_DUE, BROKEN, SUBMISSION = "promise_due", "broken", "submission"
KINDS: dict[str, object] = {
    CALL: _("Calls"),
    EMAIL: _("E-mails to confirm"),
    LETTER: _("Letters to print"),
    PROMISE_DUE: _("Promises due"),
    BROKEN: _("Broken promises"),
    SUBMISSION: _("Customer answers"),
    TASK: _("Other tasks"),
}
BROKEN_PROMISE_DAYS = 7  # a broken promise stays on the list this long, unless a new promise replaces it
SHOWN = 200  # rows shown at once; the counters always count them all


def customer_url(pk: int) -> str:
    """The customer's page (built by the customers area; the path is part of the workspace's URLs)."""
    return f"/customers/{pk}/"


@dataclass
class Counter:
    kind: str
    label: object
    today: int = 0
    late: int = 0

    @property
    def total(self) -> int:
        return self.today + self.late


@dataclass
class Task:
    kind: str
    key: str
    customer: Customer
    date: dt.date
    late: bool
    priority: int
    action: Action | None = None
    promise: Promise | None = None
    submission: PortalSubmission | None = None
    overdue: list[Money] = field(default_factory=list)
    contact: Contact | None = None
    invoice_numbers: list[str] = field(default_factory=list)

    @property
    def customer_url(self) -> str:
        return customer_url(self.customer.pk)

    @property
    def label(self) -> object:
        return KINDS[self.kind]

    @property
    def selectable(self) -> bool:
        """Bulk actions work on open actions (skip, mark letters sent, send e-mails)."""
        return self.action is not None

    @property
    def needs_address(self) -> bool:
        return self.action is not None and self.action.outcome.get("needs") == "address"


@dataclass
class Agenda:
    today: dt.date
    tasks: list[Task]
    counters: list[Counter]
    matching: int  # tasks matching the filters (before the display limit)

    @property
    def total(self) -> int:
        return sum(c.total for c in self.counters)

    @property
    def late(self) -> int:
        return sum(c.late for c in self.counters)

    @property
    def truncated(self) -> bool:
        return self.matching > len(self.tasks)


@dataclass(frozen=True)
class Scope:
    """Whose tasks: the signed-in collector's portfolio, one collector's, or everyone's."""

    who: str  # "me", "all" or a user id

    def customers(self, ws: Workspace) -> QuerySet[Customer]:
        if self.who == "me":
            return ws.customers().filter(collector_id=ws.user.pk)
        customers = ws.customers(all_customers=True)
        if self.who == "all":
            return customers
        if self.who == "none":
            return customers.filter(collector__isnull=True)
        return customers.filter(collector_id=int(self.who))


def _unit(currency: str) -> int:
    return 10 ** currency_exponent(currency)


def _major(minor: int, currency: str) -> int:
    return minor // _unit(currency)


def open_actions(ws: Workspace, customers: QuerySet[Customer], today: dt.date) -> QuerySet[Action]:
    """Open actions a collector must act on up to today. Planned e-mails leave on their own; the
    tasks opened for portal answers are shown as the answers themselves."""
    return (
        Action.objects.filter(company=ws.company, customer__in=customers, status__in=OPEN_STATUSES, date__lte=today)
        .exclude(channel=EMAIL, status=ActionStatus.PLANNED)
        .exclude(Q(channel=TASK) & Q(outcome__has_key="portal_submissions"))
    )


def agenda_for(
    ws: Workspace, *, today: dt.date, scope: Scope, kind: str = "", when: str = "", limit: int = SHOWN
) -> Agenda:
    customers = scope.customers(ws)
    tasks: list[Task] = []
    actions = (
        open_actions(ws, customers, today)
        .select_related("customer", "step")
        .prefetch_related(Prefetch("items", ActionItem.objects.filter(active=True).select_related("invoice")))
    )
    for action in actions:
        kind_of = action.channel if action.channel in (CALL, EMAIL, LETTER) else TASK
        tasks.append(
            Task(
                kind_of,
                f"action-{action.pk}",
                action.customer,
                action.date,
                action.date < today,
                action.priority,
                action=action,
                invoice_numbers=sorted({item.invoice.number for item in action.items.all()}),
            )
        )
    due = (
        Promise.objects.filter(
            company=ws.company, customer__in=customers, status=PromiseStatus.OPEN, promised_date__lte=today
        )
        .select_related("customer")
        .prefetch_related("invoices")
    )
    for promise in due:
        days = (today - promise.promised_date).days
        priority = _major(promise.amount, promise.currency) * (days + 1)
        tasks.append(
            Task(
                PROMISE_DUE,
                f"promise-{promise.pk}",
                promise.customer,
                promise.promised_date,
                days > 0,
                priority,
                promise=promise,
                invoice_numbers=sorted(i.number for i in promise.invoices.all()),
            )
        )
    replaced = Promise.objects.filter(
        customer_id=OuterRef("customer_id"), created_at__date__gte=OuterRef("evaluated_on"),
        status__in=(PromiseStatus.OPEN, PromiseStatus.KEPT),
    )  # fmt: skip
    broken = (
        Promise.objects.filter(
            company=ws.company,
            customer__in=customers,
            status=PromiseStatus.BROKEN,
            evaluated_on__gte=today - dt.timedelta(days=BROKEN_PROMISE_DAYS),
            evaluated_on__lte=today,
        )
        .exclude(Exists(replaced))
        .select_related("customer")
        .prefetch_related("invoices", "follow_up_actions")
    )
    for promise in broken:
        evaluated = promise.evaluated_on or today
        days = max((today - promise.promised_date).days, 1)
        priority = _major(promise.amount, promise.currency) * days * 2
        tasks.append(
            Task(
                BROKEN,
                f"broken-{promise.pk}",
                promise.customer,
                evaluated,
                evaluated < today,
                priority,
                promise=promise,
                invoice_numbers=sorted(i.number for i in promise.invoices.all()),
            )
        )
    submissions = (
        PortalSubmission.objects.filter(company=ws.company, customer__in=customers, status=SubmissionStatus.PENDING)
        .select_related("customer", "contact")
        .prefetch_related("files")
    )
    zone = ws.company.timezone
    waiting: list[PortalSubmission] = list(submissions)
    wanted = {int(i) for s in waiting for i in s.invoice_ids if str(i).isdigit()}
    numbers = (
        dict(Invoice.objects.filter(company=ws.company, pk__in=wanted).values_list("pk", "number")) if wanted else {}
    )
    for submission in waiting:
        day = _local_date(submission.created_at, zone)
        listed = sorted(numbers[int(i)] for i in submission.invoice_ids if str(i).isdigit() and int(i) in numbers)
        tasks.append(
            Task(
                SUBMISSION,
                f"submission-{submission.pk}",
                submission.customer,
                day,
                day < today,
                0,
                submission=submission,
                invoice_numbers=listed,
            )
        )
    _add_balances(ws, tasks, today)
    for task in tasks:
        if task.kind == SUBMISSION:  # a customer wrote: their overdue, more each day it waits
            overdue = sum(_major(m.minor, m.currency) for m in task.overdue)
            task.priority = max(overdue, 1) * ((today - task.date).days + 1)
    counters = {k: Counter(k, label) for k, label in KINDS.items()}
    for task in tasks:
        counter = counters[task.kind]
        if task.late:
            counter.late += 1
        else:
            counter.today += 1
    chosen = [
        t
        for t in tasks
        if (not kind or t.kind == kind) and (when not in ("late", "today") or t.late == (when == "late"))
    ]
    chosen.sort(key=lambda t: (-t.priority, t.date, t.key))
    shown = chosen[:limit]
    _add_contacts(shown)
    return Agenda(today=today, tasks=shown, counters=list(counters.values()), matching=len(chosen))


def _local_date(moment: dt.datetime, zone: str) -> dt.date:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(zone)).date()


def _add_balances(ws: Workspace, tasks: list[Task], today: dt.date) -> None:
    if not tasks:
        return
    balances = customer_balances(company=ws.company, as_of=today)
    for task in tasks:
        found = balances.get(task.customer.pk, {})
        task.overdue = [aging.overdue for aging in found.values() if aging.overdue.minor]


def _add_contacts(tasks: list[Task]) -> None:
    """The contact to call or write to: accounts payable first, then the primary one; with a phone."""
    ids = {t.customer.pk for t in tasks}
    if not ids:
        return
    by_customer: dict[int, list[Contact]] = defaultdict(list)
    for contact in Contact.objects.filter(customer_id__in=ids):
        by_customer[contact.customer_id].append(contact)
    for task in tasks:
        contacts = sorted(
            by_customer.get(task.customer.pk, []),
            key=lambda c: (not c.phone, not c.is_accounts_payable, not c.is_primary, c.pk),
        )
        task.contact = contacts[0] if contacts else None


def collectors_of(ws: Workspace) -> list[tuple[int, str]]:
    """The company's collectors (and anyone with a portfolio), for the "whose tasks" filter."""
    from relance.accounts.models import User

    users = (
        User.objects.filter(
            Q(memberships__company=ws.company, memberships__role="collector") | Q(portfolio__company=ws.company)
        )
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    return [(u.pk, u.get_full_name() or u.get_username()) for u in users]
