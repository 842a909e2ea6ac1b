"""The payment-provider interface.

A provider turns a selection of a customer's invoices into something the customer can pay with,
and (when it has them) turns its signed notifications into changes of the `OnlinePayment` row:

    start = provider.create(actor=a, company=c, customer=k, invoices=[...], amount=Money(...),
                            return_url=..., cancel_url=...)
    start.kind == "redirect"       -> send the customer to start.redirect_url
    start.kind == "instructions"   -> show start.instructions (IBAN, BIC, amount, reference, QR code)

    provider.handle_notification(request) -> OnlinePayment | None
        NotificationRejected when the signature (or the payload) is not right: nothing changes and
        the webhook answers 400; None when the notification is genuine but concerns nothing to do.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Literal

from relance.core.errors import RelanceError

if TYPE_CHECKING:
    import segno
    from django.http import HttpRequest

    from relance.core.audit import Actor
    from relance.core.money import Money
    from relance.ledger.models import Company, Contact, Customer, Invoice
    from relance.payments.models import OnlinePayment


class PaymentError(RelanceError):
    """The payment could not be started (provider unreachable, refused, misconfigured)."""

    code = "payments.error"


class NotificationRejected(RelanceError):
    code = "payments.notification.rejected"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class TransferInstructions:
    """What a payer needs to make a SEPA credit transfer, and the QR code that carries it."""

    beneficiary: str
    iban: str
    bic: str
    amount: Money
    reference: str  # RF creditor reference, compact
    qr_payload: str  # EPC069-12 text

    def qr_code(self) -> segno.QRCode:
        import segno

        from relance.documents.payment_qr import QR_MASK

        return segno.make_qr(self.qr_payload.encode("utf-8"), error="m", boost_error=False, mask=QR_MASK)

    def qr_svg(self) -> str:
        """An inline <svg> element (no XML declaration), safe to mark safe: segno writes it."""
        return str(self.qr_code().svg_inline(scale=4, title=f"EPC QR {self.reference}"))


@dataclass(frozen=True, slots=True)
class PaymentStart:
    online_payment: OnlinePayment
    kind: Literal["redirect", "instructions"]
    redirect_url: str = ""
    instructions: TransferInstructions | None = None


class PaymentProvider:
    """Base class of the providers; subclasses set `code` and implement `create`."""

    code: ClassVar[str] = ""
    label: ClassVar[str] = ""  # shown to the customer (translated in the template)
    accepts_notifications: ClassVar[bool] = False

    def available_for(self, company: Company, currency: str) -> bool:
        raise NotImplementedError

    def create(
        self,
        *,
        actor: Actor,
        company: Company,
        customer: Customer,
        invoices: Sequence[Invoice],
        amount: Money,
        return_url: str,
        cancel_url: str,
        contact: Contact | None = None,
    ) -> PaymentStart:
        raise NotImplementedError

    def handle_notification(self, request: HttpRequest) -> OnlinePayment | None:
        raise NotificationRejected("this provider sends no notifications")
