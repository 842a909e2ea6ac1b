"""What a caller hands to the renderer: plain data, already decided and computed.

Messaging does not know invoices or collection. The collection layer builds a `MessageContext`
from the customer's statement (see `relance.collection.messages`); the template editor builds one
from sample data (`sample_context`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from relance.core.money import Money


@dataclass(frozen=True, slots=True)
class Line:
    """One open item of the account as the customer sees it."""

    number: str
    issue_date: dt.date
    due_date: dt.date
    amount: Money  # original amount
    open_amount: Money  # still to pay; negative for a credit
    days_overdue: int = 0
    status: str = ""  # overdue, not_due, credit, disputed, promised
    po_number: str = ""
    pdf_url: str = ""
    penalties: Money | None = None


@dataclass(frozen=True, slots=True)
class Totals:
    """The account's totals in one currency."""

    currency: str
    overdue: Money
    not_due: Money
    credits: Money  # zero or negative
    penalties: Money

    @property
    def open(self) -> Money:
        return self.overdue + self.not_due + self.credits

    @property
    def overdue_with_penalties(self) -> Money:
        return self.overdue + self.penalties


@dataclass(frozen=True, slots=True)
class BankDetails:
    holder: str
    iban: str
    bic: str = ""
    reference: str = ""  # the RF creditor reference to quote


@dataclass(slots=True)
class MessageContext:
    """Everything a template may show. Empty values are allowed; a hashtag whose data the context
    does not have (`provides`) makes rendering fail with a clear error instead of printing nothing."""

    language: str
    today: dt.date
    company_name: str
    customer_name: str = ""
    customer_code: str = ""
    contact_name: str = ""
    collector_name: str = ""
    collector_email: str = ""
    collector_phone: str = ""
    overdue: list[Line] = field(default_factory=list)
    not_due: list[Line] = field(default_factory=list)
    credits: list[Line] = field(default_factory=list)
    disputed: list[Line] = field(default_factory=list)
    totals: list[Totals] = field(default_factory=list)
    penalties_shown: bool = False
    bank: BankDetails | None = None
    page_url: str = ""
    payment_url: str = ""
    statement_pdf_url: str = ""
    statement_excel_url: str = ""
    promise_date: dt.date | None = None
    promise_amount: Money | None = None
    dispute_reason: str = ""
    payment_deadline: dt.date | None = None
    company_footer: list[str] = field(default_factory=list)  # identity lines printed at the bottom
    provides: frozenset[str] = frozenset()  # the needs (see hashtags.NEEDS) this context can satisfy

    @property
    def oldest_due_date(self) -> dt.date | None:
        return min((line.due_date for line in self.overdue), default=None)

    @property
    def days_overdue(self) -> int:
        return max((line.days_overdue for line in self.overdue), default=0)
