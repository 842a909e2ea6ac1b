"""The template editor: save with checked hashtags, live preview, language variants, test send."""

import datetime as dt
import html as htmllib
import re

import pytest
from django.core import mail
from django.urls import reverse

from relance.core.models import AuditEvent
from relance.ledger.models import Contact
from relance.messaging.models import MessageTemplate, OutboxMessage
from tests.factories import CustomerFactory, InvoiceFactory

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
EDIT = "/editors/templates/email/preventive/"
PREVIEW = "/editors/templates/email/preventive/preview/"


def test_the_urls_used_here_are_the_editors():
    assert reverse("editors:template", args=["email", "preventive"]) == EDIT
    assert reverse("editors:template_preview", args=["email", "preventive"]) == PREVIEW


def srcdoc(response) -> str:
    """The HTML part shown in the sandboxed iframe, as the browser reads it."""
    match = re.search(r'<iframe[^>]*sandbox=""[^>]*srcdoc="([^"]*)"', response.content.decode())
    assert match, response.content.decode()
    return htmllib.unescape(match.group(1))


def test_the_list_shows_each_template_with_its_languages_and_users(manager):
    page = manager.get(reverse("editors:templates")).content.decode()
    assert "<code>preventive</code>" in page
    assert "Standard" in page  # scenarios that use a template
    letters = manager.get(reverse("editors:templates"), {"channel": "letter"}).content.decode()
    assert "formal_notice" in letters
    assert "preventive_public" not in letters


def test_english_and_french_side_by_side(manager):
    page = manager.get(EDIT).content.decode()
    assert 'id="variant-en"' in page
    assert 'id="variant-fr"' in page
    assert page.index('id="variant-en"') < page.index('id="variant-fr"')
    assert "invoices received and validated" in page  # the English subject
    assert "Facture" in page or "factures" in page  # the French body


def test_the_hashtag_picker_lists_every_hashtag_with_label_and_sample(manager):
    from relance.messaging.hashtags import HASHTAGS

    page = manager.get(EDIT).content.decode()
    for name in HASHTAGS:
        assert f"<code>#{name}</code>" in page
    assert 'data-insert="#total_overdue"' in page
    french = manager.get(EDIT, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Total échu" in french or "Le nom du client" in french


def test_save_a_template(manager, installed):
    data = {"language": "en", "name": "Before due date", "subject": "Hello #customer_name",
            "body_source": "Dear #contact_name,\n\n#items_not_due\n", "body_format": "markdown"}  # fmt: skip
    response = manager.post(EDIT, data)
    assert response.status_code == 302
    template = MessageTemplate.objects.get(company=installed, code="preventive", channel="email", language="en")
    assert (template.name, template.subject, template.is_default) == ("Before due date", "Hello #customer_name", False)
    assert AuditEvent.objects.filter(code="messaging.template.updated").exists()


def test_an_unknown_hashtag_is_refused_and_named_on_the_form(manager, installed):
    before = MessageTemplate.objects.get(company=installed, code="preventive", language="en").body_source
    response = manager.post(EDIT, {"language": "en", "name": "X", "subject": "Hi #customer_nam",
                                   "body_source": "Pay #totl_overdue now", "body_format": "markdown"})  # fmt: skip
    assert response.status_code == 400
    page = response.content.decode()
    assert "Unknown hashtags: #customer_nam, #totl_overdue" in page
    assert "Pay #totl_overdue now" in page  # what was typed is kept
    assert MessageTemplate.objects.get(company=installed, code="preventive", language="en").body_source == before


def test_the_preview_renders_sample_data(manager):
    response = manager.post(PREVIEW, {"language": "en", "subject": "About #customer_name",
                                      "body_source": "Overdue: **#total_overdue**"}, **HX)  # fmt: skip
    page = response.content.decode()
    assert "With sample data" in page
    assert "About " in page
    assert "<strong>" in srcdoc(response)
    assert "<pre" in page


def test_the_preview_shows_a_template_injection_as_text(manager):
    payload = "{{ ''.__class__ }} {% debug %} <script>alert(1)</script>"
    response = manager.post(PREVIEW, {"language": "en", "subject": payload, "body_source": payload}, **HX)
    page = response.content.decode()
    # the subject is shown as typed (escaped), never evaluated
    assert "{{ &#x27;&#x27;.__class__ }} {% debug %} &lt;script&gt;" in page
    document = srcdoc(response)
    assert "{{ ''." in document
    assert "{% debug %}" in document
    assert "<script" not in document
    assert "&lt;class" not in document
    assert "str'>" not in document
    text = htmllib.unescape(re.search(r'<pre class="preview-text">(.*?)</pre>', page, re.S)[1])
    assert "{{ ''.class }} {% debug %}" in text


def test_the_preview_on_a_customer_shows_their_name_and_amounts(manager, installed):
    customer = CustomerFactory(company=installed, code="C-42", name="Dupont & Fils", language="en")
    today = dt.date.today()
    InvoiceFactory(customer=customer, number="F-0107", issue_date=today - dt.timedelta(days=40),
                   due_date=today - dt.timedelta(days=10), amount=123456)  # fmt: skip
    response = manager.post(PREVIEW, {"language": "en", "subject": "For #customer_name",
                                      "body_source": "Overdue #total_overdue\n\n#items_overdue",
                                      "customer": customer.pk}, **HX)  # fmt: skip
    page = response.content.decode()
    assert "With the account of Dupont &amp; Fils (C-42)" in page
    document = srcdoc(response)
    assert "F-0107" in document
    assert "1,234.56" in document
    assert "For Dupont &amp; Fils" in page


def test_the_preview_reports_an_unknown_hashtag(manager):
    response = manager.post(PREVIEW, {"language": "en", "subject": "x", "body_source": "#nope"}, **HX)
    assert "Unknown hashtags: #nope" in response.content.decode()


def test_a_missing_language_is_created_from_the_shipped_text_then_reset(manager, installed):
    MessageTemplate.objects.filter(company=installed, code="overdue_firm", language="fr").delete()
    url = reverse("editors:template", args=["email", "overdue_firm"])
    page = manager.get(url).content.decode()
    assert "Create from the shipped text" in page
    manager.post(reverse("editors:template_variant", args=["email", "overdue_firm"]), {"language": "fr"})
    created = MessageTemplate.objects.get(company=installed, code="overdue_firm", language="fr")
    assert created.is_default
    manager.post(url, {"language": "fr", "name": "Ferme", "subject": "Relance #customer_name",
                       "body_source": "Payez.", "body_format": "markdown"})  # fmt: skip
    assert "Reset to the shipped text" in manager.get(url).content.decode()
    manager.post(reverse("editors:template_reset", args=["email", "overdue_firm"]), {"language": "fr"})
    created.refresh_from_db()
    assert created.is_default
    assert created.body_source != "Payez."
    assert AuditEvent.objects.filter(code="messaging.template.reset").exists()


def test_a_new_template_without_shipped_text_is_copied_to_translate(manager, installed):
    response = manager.post(reverse("editors:template_new"), {"code": "thanks", "channel": "email"})
    url = reverse("editors:template", args=["email", "thanks"])
    assert response["Location"] == url + "?new=1"
    assert manager.get(url).status_code == 404  # nothing saved yet
    manager.post(url, {"language": "en", "name": "Thanks", "subject": "Thank you", "body_source": "Thanks!",
                       "body_format": "markdown"})  # fmt: skip
    manager.post(reverse("editors:template_variant", args=["email", "thanks"]), {"language": "fr"})
    copy = MessageTemplate.objects.get(company=installed, code="thanks", language="fr")
    assert (copy.body_source, copy.is_default) == ("Thanks!", False)


def test_a_test_send_goes_through_the_outbox_to_the_address(manager, installed, django_capture_on_commit_callbacks):
    customer = CustomerFactory(company=installed, code="C-42", name="Dupont", language="en")
    Contact.objects.create(company=installed, customer=customer, name="AP", email="ap@dupont.example",
                           is_accounts_payable=True, language="en")  # fmt: skip
    InvoiceFactory(customer=customer, due_date=dt.date.today() + dt.timedelta(days=5),
                   issue_date=dt.date.today() - dt.timedelta(days=25), amount=50000)  # fmt: skip
    url = reverse("editors:template_test", args=["email", "preventive"])
    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(url, {"language": "fr", "to": "me@example.test", "customer": customer.pk}, **HX)
    assert "queued to me@example.test" in response.content.decode()
    message = OutboxMessage.objects.get(reference="test")
    assert (message.to, message.language, message.cc) == (["me@example.test"], "fr", [])
    assert message.status == "sent"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["me@example.test"]
    assert "ap@dupont.example" not in mail.outbox[0].recipients()


def test_a_test_send_needs_a_customer_and_an_address(manager, installed):
    url = reverse("editors:template_test", args=["email", "preventive"])
    response = manager.post(url, {"language": "en", "to": "me@example.test"}, **HX)
    assert "Choose a customer" in response.content.decode()
    response = manager.post(url, {"language": "en", "to": "not-an-address", "customer": "1"}, **HX)
    assert "valid email" in response.content.decode()
    assert not OutboxMessage.objects.exists()
