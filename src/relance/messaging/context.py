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


def sample_context(language: str = "en", *, today: dt.date | None = None, company_name: str = "") -> MessageContext:
    """Sample data for previews in the template editor: every hashtag has something to show."""
    today = today or dt.datetime.now(dt.UTC).date()
    french = language[:2] == "fr"

    def eur(minor: int) -> Money:
        return Money(minor, "EUR")

    def day(offset: int) -> dt.date:
        return today + dt.timedelta(days=offset)

    overdue = [
        Line("F-2026-0412", day(-75), day(-45), eur(248000), eur(248000), 45, "overdue", "PO-7781", "#",
             eur(3712)),
        Line("F-2026-0498", day(-50), day(-20), eur(118050), eur(68050), 20, "overdue", "PO-7802", "#", eur(598)),
        Line("F-2026-0533", day(-38), day(-8), eur(45000), eur(45000), 8, "disputed", "", "#"),
    ]  # fmt: skip
    not_due = [
        Line("F-2026-0611", day(-20), day(10), eur(150000), eur(150000), 0, "not_due", "PO-7840", "#"),
        Line("F-2026-0640", day(-9), day(21), eur(32400), eur(32400), 0, "promised", "", "#"),
    ]
    credits = [Line("AV-2026-0031", day(-30), day(-30), eur(12000), eur(-12000), 0, "credit")]
    return MessageContext(
        language=language,
        today=today,
        company_name=company_name or ("Atelier Durand SAS" if french else "Northwind Components Ltd"),
        customer_name="Dupont Industrie SARL" if french else "Blue Harbour Trading Ltd",
        customer_code="C-00042",
        contact_name="Marie Leroy" if french else "Sarah Miller",
        collector_name="Camille Martin" if french else "James Smith",
        collector_email="camille.martin@example.com" if french else "james.smith@example.com",
        collector_phone="+33 1 23 45 67 89" if french else "+44 20 7946 0000",
        overdue=overdue,
        not_due=not_due,
        credits=credits,
        disputed=[overdue[2]],
        totals=[Totals("EUR", eur(361050), eur(182400), eur(-12000), eur(4310))],
        penalties_shown=True,
        bank=BankDetails("Atelier Durand SAS", "FR7630006000011234567890189", "AGRIFRPP", "RF18C00042"),
        page_url="https://relance.example/p/sample/",
        payment_url="https://relance.example/p/sample/pay/",
        statement_pdf_url="https://relance.example/p/sample/statement.pdf",
        statement_excel_url="https://relance.example/p/sample/statement.xlsx",
        promise_date=day(12),
        promise_amount=eur(150000),
        dispute_reason="Quantité livrée inférieure à la commande" if french else "Quantity delivered short",
        payment_deadline=day(8),
        company_footer=["Atelier Durand SAS", "12 rue de la Paix, 75002 Paris", "552 100 554 RCS Paris"],
        provides=frozenset({"customer", "contact", "collector", "statement", "bank", "links", "promise", "dispute",
                            "deadline"}),
    )  # fmt: skip
