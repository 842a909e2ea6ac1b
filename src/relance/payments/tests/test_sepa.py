"""SEPA credit transfer: the instructions and the EPC QR code (works offline, nothing mocked)."""

from __future__ import annotations

import shutil
import subprocess

import pytest
from django.urls import reverse

from relance.core.audit import Actor
from relance.core.models import AuditEvent
from relance.core.money import Money
from relance.documents.payment_qr import customer_rf_reference
from relance.ledger.models import Payment
from relance.payments.models import OnlinePayment, OnlinePaymentStatus
from relance.payments.providers import providers_for
from relance.payments.providers.sepa import SepaTransferProvider

pytestmark = pytest.mark.django_db


def zbar(png: bytes, tmp_path) -> str:
    if shutil.which("zbarimg") is None:
        pytest.skip("zbarimg is not installed (Debian package zbar-tools)")
    path = tmp_path / "qr.png"
    path.write_bytes(png)
    result = subprocess.run(
        ["zbarimg", "--raw", "-q", "-Sbinary", str(path)], capture_output=True, check=False, timeout=30
    )
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout.decode("utf-8").removesuffix("\n")


def png_of(instructions, scale: int = 6) -> bytes:
    import io

    buffer = io.BytesIO()
    instructions.qr_code().save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()


def test_sepa_needs_an_iban_and_euros(pay_company, settings):
    settings.RELANCE_PAYMENT_PROVIDERS = ["sepa_transfer"]
    assert [p.code for p in providers_for(pay_company, "EUR")] == ["sepa_transfer"]
    assert providers_for(pay_company, "GBP") == []
    pay_company.iban = ""
    assert providers_for(pay_company, "EUR") == []


def test_instructions_qr_decodes_to_the_epc_payload(pay_company, customer_a, tmp_path):
    invoices = list(customer_a.invoices.filter(number__in=["A-001", "A-002"]))
    start = SepaTransferProvider().create(
        actor=Actor.system("test"), company=pay_company, customer=customer_a, invoices=invoices,
        amount=Money(1_234_66, "EUR"), return_url="http://x/r", cancel_url="http://x/c",
    )  # fmt: skip
    assert start.kind == "instructions"
    instructions = start.instructions
    assert instructions is not None
    reference = customer_rf_reference(pay_company, customer_a)
    decoded = zbar(png_of(instructions), tmp_path)
    assert decoded == instructions.qr_payload
    lines = decoded.split("\n")
    assert lines[:4] == ["BCD", "002", "1", "SCT"]
    assert lines[4] == "AGRIFRPP"
    assert lines[5] == "Atelier Durand SAS"
    assert lines[6] == "FR7630006000011234567890189"
    assert lines[7] == "EUR1234.66"  # exactly the minor units asked, never a float
    assert lines[9] == reference == "RF71C00042"
    row = start.online_payment
    assert (row.provider, row.status, row.amount, row.currency) == ("sepa_transfer", "pending", 1_234_66, "EUR")
    assert row.remittance_reference == reference
    assert set(row.invoices.values_list("number", flat=True)) == {"A-001", "A-002"}
    assert Payment.objects.count() == 0  # the bank statement records the transfer, not the page
    assert AuditEvent.objects.filter(code="payments.online.created", object_id=str(row.pk)).count() == 1


def test_pay_page_shows_transfer_instructions_and_a_readable_qr_code(client, settings, token_a, customer_a, tmp_path):
    settings.RELANCE_PAYMENT_PROVIDERS = ["sepa_transfer"]
    ids = list(customer_a.invoices.filter(number__in=["A-001", "A-002"]).values_list("pk", flat=True))
    response = client.post(reverse("portal:pay", args=[token_a]), {"invoice": ids, "provider": "sepa_transfer"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "FR76 3000 6000 0112 3456 7890 189" in html
    assert "€1,234.66" in html
    assert "RF71 C000 42" in html
    row = OnlinePayment.objects.get()
    assert row.status == OnlinePaymentStatus.PENDING
    assert row.amount == 1_234_66
    # The SVG on the page is the QR code of the payload that zbarimg decodes (zbar reads no SVG).
    instructions = SepaTransferProvider().instructions(row.company, customer_a, Money(1_234_66, "EUR"))
    assert instructions.qr_svg() in html
    assert zbar(png_of(instructions), tmp_path).split("\n")[6:10] == [
        "FR7630006000011234567890189",
        "EUR1234.66",
        "",
        "RF71C00042",
    ]
