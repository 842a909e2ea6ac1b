"""SEPA credit transfer: the payer gets the IBAN, the amount, the RF reference and the EPC QR code.

Works offline and has no notification: the money arrives later on the company's bank account,
and the bank statement import (or the ERP) records and allocates it. The row stays `pending`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from relance.documents.payment_qr import EpcTransfer, customer_rf_reference
from relance.payments.providers.base import PaymentError, PaymentProvider, PaymentStart, TransferInstructions
from relance.payments.services import online_payment_create, online_payment_pending

if TYPE_CHECKING:
    from relance.core.audit import Actor
    from relance.core.money import Money
    from relance.ledger.models import Company, Contact, Customer, Invoice


class SepaTransferProvider(PaymentProvider):
    code = "sepa_transfer"
    label = "Bank transfer (SEPA)"

    def available_for(self, company: Company, currency: str) -> bool:
        return bool(company.iban) and currency == "EUR"

    def instructions(self, company: Company, customer: Customer, amount: Money) -> TransferInstructions:
        transfer = EpcTransfer(
            name=company.legal_name or company.name,
            iban=company.iban,
            amount=amount,
            reference=customer_rf_reference(company, customer),
            bic=company.bic,
        )
        try:
            payload = transfer.payload()
        except ValueError as error:
            raise PaymentError(str(error)) from error
        return TransferInstructions(
            beneficiary=" ".join(transfer.name.split())[:70],
            iban=transfer.iban.replace(" ", "").upper(),
            bic=transfer.bic.replace(" ", "").upper(),
            amount=amount,
            reference=transfer.reference,
            qr_payload=payload,
        )

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
        if not self.available_for(company, amount.currency):
            raise PaymentError("a SEPA transfer needs the company's IBAN and an amount in euros")
        instructions = self.instructions(company, customer, amount)
        online_payment = online_payment_create(
            actor=actor, company=company, customer=customer, contact=contact, provider=self.code,
            invoices=invoices, amount=amount, remittance_reference=instructions.reference,
        )  # fmt: skip
        online_payment = online_payment_pending(online_payment=online_payment)
        return PaymentStart(online_payment=online_payment, kind="instructions", instructions=instructions)
