"""The company settings page: every section saves through its service with an audit event, bad
values are refused on the field, the test e-mail reports the server's answer, administrators only."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from relance.collection.models import CollectionSettings
from relance.core.models import AuditEvent
from relance.ledger.models import Company
from relance.messaging.mail_settings import mail_server_description
from relance.messaging.models import MailSettings

URL = "/settings/"
POSTS = ("identity/", "logo/", "bank/", "penalties/", "run/", "portal/", "mail/", "mail/test/")

IDENTITY = {
    "name": "Atelier Durand", "legal_name": "Atelier Durand SAS", "legal_id": "732 829 320", "vat_id": "FR40303265045",
    "address_line1": "12 rue des Tanneurs", "address_line2": "", "postal_code": "69002", "city": "Lyon",
    "country": "FR", "email": "compta@durand.example", "phone": "+33 4 72 00 00 00",
    "website": "https://durand.example", "language": "fr", "timezone": "Europe/Paris", "currency": "EUR",
    "default_payment_terms_days": "45",
}  # fmt: skip
RUN = {"run_time": "06:30", "send_window_start": "09:00", "send_window_end": "17:30", "promise_grace_days": "2",
       "promise_max_days": "45"}  # fmt: skip
MAIL = {"from_name": "Durand compta", "from_email": "relances@durand.example", "reply_to_collector": "on",
        "archive_bcc": "archive@durand.example", "invoice_pdfs": "attach", "max_attachment_mb": "5"}  # fmt: skip


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (31, 95, 191)).save(buffer, format=fmt)
    return buffer.getvalue()


def events(code: str) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(code=code).order_by("id"))


def text(response) -> str:
    return response.content.decode()


def test_the_administrator_sees_every_section_with_current_values(admin_client, company):
    company.iban, company.bic = "FR7630006000011234567890189", "AGRIFRPP"
    company.save()
    page = text(admin_client.get(URL))
    for heading in ("Company identity", "Letterhead and logo", "Bank account", "Late-payment penalties",
                    "Daily run and send window", "Customer portal", "E-mail", "Mail server"):  # fmt: skip
        assert heading in page
    assert "FR7630006000011234567890189" in page
    assert "CREDIT AGRICOLE" in page  # the bank's name, from the IBAN
    assert "Send a test e-mail" in page
    assert 'name="csrfmiddlewaretoken"' in page


@time_machine.travel(dt.datetime(2026, 4, 20, 10, tzinfo=dt.UTC), tick=False)
def test_the_coming_public_holidays_of_the_company_country_are_shown(admin_client, company):
    page = text(admin_client.get(URL))
    holidays = page[page.index("Coming public holiday") :]
    assert "Labor Day" in holidays or "Fête du Travail" in holidays  # 1 May 2026, a Friday
    assert "1 May 2026" in holidays
    assert "Saturday" not in holidays  # weekends are not listed: they are never working days


def test_identity_saves_and_the_audit_trail_names_the_author_and_the_changes(admin_client, company):
    response = admin_client.post(URL + "identity/", IDENTITY)
    assert response.status_code == 302
    assert response["Location"] == "/settings/#identity"
    company.refresh_from_db()
    assert (company.name, company.city, company.vat_id, company.default_payment_terms_days) == (
        "Atelier Durand", "Lyon", "FR40303265045", 45,
    )  # fmt: skip
    (event,) = events("ledger.company.updated")
    assert event.actor_label == "ada"
    assert event.company_id == company.pk
    assert "vat_id" in event.data["fields"]
    assert "city" in event.data["fields"]
    assert event.data["changes"]["name"] == ["Atelier Durand SAS", "Atelier Durand"]
    assert "Saved" in text(admin_client.get(URL))


def test_saving_unchanged_values_records_nothing(admin_client, company):
    admin_client.post(URL + "identity/", IDENTITY)
    admin_client.post(URL + "identity/", IDENTITY)
    assert len(events("ledger.company.updated")) == 1


def test_an_invalid_vat_number_is_refused_on_its_field(admin_client, company):
    response = admin_client.post(URL + "identity/", {**IDENTITY, "vat_id": "FR12345"})
    assert response.status_code == 400
    page = text(response)
    assert re.search(r'id="id_vat_id_error".*FR12345 is not a valid VAT number', page, re.S)
    company.refresh_from_db()
    assert company.vat_id == ""
    assert company.name == "Atelier Durand SAS"
    assert not events("ledger.company.updated")


def test_an_unknown_country_or_time_zone_is_refused(admin_client, company):
    response = admin_client.post(URL + "identity/", {**IDENTITY, "country": "XX", "timezone": "Mars/Olympus"})
    assert response.status_code == 400
    assert "Select a valid choice" in text(response)


def test_the_bank_account_saves_without_spaces_and_the_bic_comes_from_the_iban(admin_client, company):
    response = admin_client.post(URL + "bank/", {"iban": "fr76 3000 6000 0112 3456 7890 189", "bic": ""})
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.iban == "FR7630006000011234567890189"
    assert company.bic == "AGRIFRPPXXX"
    (event,) = events("ledger.company.updated")
    assert sorted(event.data["fields"]) == ["bic", "iban"]


@pytest.mark.parametrize(
    ("iban", "bic", "field", "message"),
    [
        ("FR7630006000011234567890188", "", "iban", "is not a valid IBAN"),
        ("FR7630006000011234567890189", "NOTABIC!", "bic", "is not a valid BIC"),
        ("", "AGRIFRPP", "iban", "Give the IBAN"),
    ],
)
def test_an_invalid_iban_or_bic_is_refused_on_its_field(admin_client, company, iban, bic, field, message):
    response = admin_client.post(URL + "bank/", {"iban": iban, "bic": bic})
    assert response.status_code == 400
    assert re.search(rf'id="id_{field}_error".*{message}', text(response), re.S)
    company.refresh_from_db()
    assert company.iban == ""


def test_a_png_logo_is_stored_shown_in_the_preview_and_replaced(admin_client, company):
    upload = SimpleUploadedFile("logo.png", image_bytes(), content_type="image/png")
    response = admin_client.post(URL + "logo/", {"logo": upload})
    assert response.status_code == 302
    company.refresh_from_db()
    first = company.logo.name
    assert first.startswith("logos/company-")
    assert first.endswith(".png")
    page = text(admin_client.get(URL))
    assert 'src="/settings/logo/file/"' in page
    served = admin_client.get(URL + "logo/file/")
    assert served["Content-Type"] == "image/png"
    assert b"".join(served.streaming_content).startswith(b"\x89PNG")
    jpeg = SimpleUploadedFile("logo.jpg", image_bytes("JPEG"), content_type="image/jpeg")
    admin_client.post(URL + "logo/", {"logo": jpeg}, HTTP_X_NOTHING="1")
    company.refresh_from_db()
    assert company.logo.name.endswith(".jpg")
    assert events("ledger.company.logo_changed")[-1].data["format"] == "JPEG"


def test_a_logo_that_is_not_png_or_jpeg_is_refused_with_a_message(admin_client, company):
    for name, content in (("logo.gif", image_bytes("GIF")), ("logo.png", b"<svg xmlns='http://www.w3.org/2000/svg'/>")):
        response = admin_client.post(URL + "logo/", {"logo": SimpleUploadedFile(name, content)})
        assert response.status_code == 400
        assert "The logo must be a PNG or JPEG image." in text(response)
    company.refresh_from_db()
    assert not company.logo


def test_a_logo_over_the_size_limit_is_refused_with_a_message(admin_client, company):
    big = image_bytes() + b"\0" * (1024 * 1024)
    response = admin_client.post(URL + "logo/", {"logo": SimpleUploadedFile("big.png", big)})
    assert response.status_code == 400
    assert "the limit is 1024 KB" in text(response)
    company.refresh_from_db()
    assert not company.logo


def test_the_logo_can_be_removed(admin_client, company):
    admin_client.post(URL + "logo/", {"logo": SimpleUploadedFile("logo.png", image_bytes())})
    response = admin_client.post(URL + "logo/", {"remove": "on"})
    assert response.status_code == 302
    company.refresh_from_db()
    assert not company.logo
    assert admin_client.get(URL + "logo/file/").status_code == 404
    assert events("ledger.company.logo_changed")[-1].data["removed"].startswith("logos/")


def test_penalties_save_with_a_contractual_fee_in_minor_units(admin_client, company):
    data = {"penalties_enabled": "on", "penalty_rule": "contract", "penalty_contract_rate": "12.5",
            "penalty_contract_fee": "25.50"}  # fmt: skip
    response = admin_client.post(URL + "penalties/", data)
    assert response.status_code == 302
    company.refresh_from_db()
    assert company.penalties_enabled
    assert company.penalty_rule == "contract"
    assert str(company.penalty_contract_rate) == "12.500"
    assert company.penalty_contract_fee == 2550
    assert 'value="25.50"' in text(admin_client.get(URL))


def test_the_contractual_rule_needs_a_rate(admin_client, company):
    response = admin_client.post(URL + "penalties/", {"penalty_rule": "contract"})
    assert response.status_code == 400
    assert "The contractual rule needs a rate." in text(response)


@time_machine.travel(dt.datetime(2026, 3, 2, 10, tzinfo=dt.UTC), tick=False)
def test_a_french_contractual_rate_below_three_times_the_legal_rate_is_refused(admin_client, company):
    response = admin_client.post(URL + "penalties/", {"penalty_rule": "fr", "penalty_contract_rate": "5"})
    assert response.status_code == 400
    assert "may not be below 3 times the legal rate: 7.86 % now" in text(response)
    response = admin_client.post(URL + "penalties/", {"penalty_rule": "fr", "penalty_contract_rate": "12"})
    assert response.status_code == 302


def test_the_daily_run_and_send_window_save(admin_client, company):
    response = admin_client.post(URL + "run/", {**RUN, "paused": "on"})
    assert response.status_code == 302
    row = CollectionSettings.objects.get(company=company)
    assert (row.run_time, row.send_window_start, row.send_window_end) == (dt.time(6, 30), dt.time(9), dt.time(17, 30))
    assert (row.promise_grace_days, row.promise_max_days, row.paused) == (2, 45, True)
    (event,) = events("collection.settings.updated")
    assert "paused" in event.data["fields"]
    assert "The daily run is paused." in text(admin_client.get(URL))


def test_a_send_window_that_ends_before_it_starts_is_refused(admin_client, company):
    response = admin_client.post(URL + "run/", {**RUN, "send_window_start": "18:00", "send_window_end": "08:00"})
    assert response.status_code == 400
    assert "The send window must end after it starts." in text(response)
    assert not CollectionSettings.objects.filter(company=company).exists()


def test_the_portal_settings_save(admin_client, company):
    data = {"link_validity_days": "90", "max_promise_days": "30", "max_upload_mb": "4", "max_files": "3"}
    response = admin_client.post(URL + "portal/", data)
    assert response.status_code == 302
    portal = apps.get_model("portal", "PortalSettings").objects.get(company=company)
    assert (portal.max_promise_days, portal.max_upload_bytes, portal.max_files) == (30, 4 * 1024 * 1024, 3)
    assert MailSettings.objects.get(company=company).link_validity_days == 90
    assert events("portal.settings.updated")[0].actor_label == "ada"
    assert events("messaging.settings.updated")[0].data["fields"] == ["link_validity_days"]


def test_the_mail_settings_save_and_show_the_sender(admin_client, company):
    response = admin_client.post(URL + "mail/", MAIL)
    assert response.status_code == 302
    row = MailSettings.objects.get(company=company)
    assert (row.from_email, row.archive_bcc, row.invoice_pdfs, row.attach_statement_pdf) == (
        "relances@durand.example", "archive@durand.example", "attach", False,
    )  # fmt: skip
    assert row.max_attachment_bytes == 5 * 1024 * 1024
    assert "Durand compta &lt;relances@durand.example&gt;" in text(admin_client.get(URL))


def test_an_invalid_sender_address_is_refused(admin_client, company):
    response = admin_client.post(URL + "mail/", {**MAIL, "from_email": "not an address"})
    assert response.status_code == 400
    assert re.search(r'id="id_from_email_error"', text(response))


def test_the_test_email_goes_through_the_configured_mailer(admin_client, company):
    response = admin_client.post(URL + "mail/test/", {"to": "ada@example.test"})
    assert response.status_code == 200
    assert "the mail server accepted it" in text(response)
    (message,) = mail.outbox
    assert message.to == ["ada@example.test"]
    assert "Atelier Durand SAS" in message.subject
    (event,) = events("messaging.settings.test_sent")
    assert event.data == {"to": "ada@example.test", "ok": True, "error": ""}


def test_the_test_email_reaches_a_real_smtp_server(admin_client, company, smtp_server):
    admin_client.post(URL + "mail/", MAIL)
    response = admin_client.post(URL + "mail/test/", {"to": "ada@example.test"})
    assert "the mail server accepted it" in text(response)
    ((sender, recipients, content),) = smtp_server.received
    assert sender == "relances@durand.example"
    assert recipients == ["ada@example.test", "archive@durand.example"]
    assert b"From: Durand compta <relances@durand.example>" in content


def test_a_refusal_of_the_smtp_server_is_reported_clearly(admin_client, company, smtp_server):
    smtp_server.refuse["nobody@example.test"] = "550 5.1.1 No such user here"
    response = admin_client.post(URL + "mail/test/", {"to": "nobody@example.test"})
    page = text(response)
    assert "The test e-mail to nobody@example.test was not sent." in page
    assert "the server refused the recipient (nobody@example.test: 550 5.1.1 No such user here)" in page
    assert events("messaging.settings.test_sent")[0].data["ok"] is False


def test_an_unreachable_mail_server_is_reported_clearly(admin_client, company, settings):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5}}}  # fmt: skip
    page = text(admin_client.post(URL + "mail/test/", {"to": "ada@example.test"}))
    assert "connection refused: no mail server listens at the configured host and port" in page


def test_the_mail_server_password_is_never_shown(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend",
                                    "OPTIONS": {"host": "smtp.example", "port": 587, "username": "relance",
                                                "password": "s3cret-value", "use_tls": True}}}  # fmt: skip
    shown = mail_server_description()
    assert shown["options"] == {"host": "smtp.example", "port": 587, "username": "relance", "use_tls": True,
                                "password": "set"}  # fmt: skip
    assert "s3cret-value" not in str(shown)


@pytest.mark.parametrize("role", ["credit_manager", "collector", "read_only"])
def test_only_administrators_reach_the_settings(client, company, member, role):
    client.force_login(member(company, role=role))
    assert client.get(URL).status_code == 403
    assert client.get(URL + "logo/file/").status_code == 403
    for path in POSTS:
        assert client.post(URL + path, {}).status_code == 403, path


def test_a_read_only_member_is_refused_every_post_and_nothing_changes(client, company, member):
    client.force_login(member(company, role="read_only"))
    for path in POSTS:
        assert client.post(URL + path, IDENTITY).status_code == 403, path
    assert Company.objects.get(pk=company.pk).name == "Atelier Durand SAS"
    assert not AuditEvent.objects.filter(code__endswith=".updated").exists()


def test_settings_change_only_the_administrators_current_company(client, company, other_company, member):
    from relance.ledger.models import Membership

    user = member(company, role="administrator")
    Membership.objects.create(user=user, company=other_company, role="collector")
    client.force_login(user)
    client.post(URL + "identity/", IDENTITY)
    other_company.refresh_from_db()
    assert other_company.name == "Northwind Ltd"
    session = client.session
    session["relance_company_id"] = other_company.pk
    session.save()
    assert client.post(URL + "identity/", IDENTITY).status_code == 403  # a collector there


def test_the_page_speaks_french(admin_client, company, settings):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    page = text(admin_client.get(URL))
    assert "Identité de l'entreprise" in page
    assert "Envoyer un e-mail de test" in page
    response = admin_client.post(URL + "bank/", {"iban": "FR7630006000011234567890188", "bic": ""})
    assert "n&#x27;est pas un IBAN valide" in text(response)
