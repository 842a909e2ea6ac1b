"""Templates: hashtags checked on save, sanitised, rendered by substitution only, both parts."""

import datetime as dt
import email
import email.policy

import pytest

from relance.core.money import Money
from relance.messaging.context import BankDetails, Line, MessageContext, Totals
from relance.messaging.hashtags import HASHTAGS, NEEDS
from relance.messaging.mime import Attachment, Envelope, build_mime
from relance.messaging.models import MessageTemplate
from relance.messaging.render import (
    EmailLayout,
    RenderError,
    TemplateError,
    compile_email,
    compile_template,
    render_body,
    render_email,
)
from relance.messaging.services import default_templates, template_for, template_save, templates_install_defaults

D = dt.date


def eur(minor: int) -> Money:
    return Money(minor, "EUR")


def context(language: str = "fr", **overrides) -> MessageContext:
    values = dict(
        language=language,
        today=D(2026, 11, 24),
        company_name="Atelier Durand SAS",
        customer_name="Dupont & Fils <SARL>",
        customer_code="C-42",
        contact_name="Marie Leroy",
        collector_name="Camille Martin",
        collector_email="camille@durand.example",
        collector_phone="+33 1 23 45 67 89",
        overdue=[
            Line(
                "F-1043",
                D(2026, 9, 1),
                D(2026, 10, 1),
                eur(123456),
                eur(123456),
                54,
                "overdue",
                pdf_url="https://x/i/1.pdf",
            ),
            Line("F-1050", D(2026, 9, 15), D(2026, 10, 15), eur(50000), eur(20000), 40, "disputed"),
        ],
        not_due=[Line("F-1101", D(2026, 11, 1), D(2026, 12, 1), eur(99900), eur(99900), 0, "not_due")],
        totals=[Totals("EUR", eur(143456), eur(99900), eur(0), eur(8018))],
        penalties_shown=False,
        bank=BankDetails("Atelier Durand SAS", "FR7630006000011234567890189", "AGRIFRPP", "RF18C42"),
        page_url="https://relance.example/p/tok/",
        payment_url="https://relance.example/p/tok/pay/",
        statement_pdf_url="https://relance.example/p/tok/statement.pdf",
        statement_excel_url="https://relance.example/p/tok/statement.xlsx",
        provides=frozenset(NEEDS) - {"promise", "dispute"},
    )
    values.update(overrides)
    return MessageContext(**values)  # type: ignore[arg-type]


def render(body: str, subject: str = "Relevé #customer_code", ctx: MessageContext | None = None, fmt="markdown"):
    compiled = compile_template(subject=subject, body_source=body, body_format=fmt)
    return render_email(compile_email(compiled, EmailLayout("fr", "Atelier Durand SAS", ("Paris",))), ctx or context())


def test_an_unknown_hashtag_is_refused_with_its_name_and_line():
    with pytest.raises(TemplateError, match=r"line 3: unknown hashtag #total_overdu\b"):
        compile_template(subject="Hello", body_source="Hello,\n\nYou owe #total_overdu.\n")
    with pytest.raises(TemplateError, match=r"subject.*#custmer"):
        compile_template(subject="Hello #custmer", body_source="Hello")
    with pytest.raises(TemplateError, match="#items_overdue is a block"):
        compile_template(subject="#items_overdue", body_source="x")
    with pytest.raises(TemplateError, match="#items_overdue is a block: put it alone"):
        compile_template(subject="x", body_source="See #items_overdue here.")


def test_saving_a_template_with_an_unknown_hashtag_fails_and_stores_nothing(company, actor):
    with pytest.raises(TemplateError, match="#montant"):
        template_save(company=company, code="mine", channel="email", language="fr", name="Mine",
                      subject="Relance", body_source="Vous devez #montant.", actor=actor)  # fmt: skip
    assert not MessageTemplate.objects.exists()
    saved = template_save(company=company, code="mine", channel="email", language="fr", name="Mine",
                          subject="Relance", body_source="Vous devez **#total_overdue**.", actor=actor)  # fmt: skip
    assert saved.body_html == "<p>Vous devez <strong>#total_overdue</strong>.</p>\n"


@pytest.mark.parametrize(
    "attack",
    ["{{ ''.__class__.__mro__ }}", "{% import os %}{{ os.system('id') }}", "${7*7} #{7*7} <%= 7*7 %>", "{{ 7*7 }}"],
)
def test_template_injection_is_printed_as_text_never_executed(attack):
    for fmt in ("markdown", "html"):
        result = render(f"Text: {attack}", fmt=fmt, subject=f"S {attack}")
        assert "49" not in result.text
        assert "<class" not in result.html
        assert "posix" not in result.text
        assert "{" in result.text or "$" in result.text
    html_result = render(f"<p>{attack}</p>", fmt="html", subject=f"S {attack}")
    assert attack in html_result.text
    assert html_result.subject == f"S {attack}"


def test_markup_is_sanitised_but_formatting_and_colours_are_kept():
    result = render(
        '**Bold** *italic* <span style="color:#c00;position:fixed">red</span> <script>alert(1)</script>'
        '<a href="javascript:alert(1)">x</a> <img src=x onerror=alert(1)>\n\n## Heading\n\n- one\n- two',
    )
    assert "<strong" in result.html
    assert "<em" in result.html
    assert "<h2" in result.html
    assert "<li" in result.html
    assert "color:#c00" in result.html.replace(" ", "")
    assert "position" not in result.html
    assert "<script" not in result.html
    assert "javascript:" not in result.html
    assert "onerror" not in result.html
    assert "alert(1)" not in result.html.replace("&lt;script&gt;", "")


def test_values_are_escaped_and_formatted_for_the_reader():
    result = render("Dear #customer_name, you owe #total_overdue since #oldest_due_date.")
    assert "Dupont &amp; Fils &lt;SARL&gt;" in result.html
    assert "Dupont & Fils <SARL>" in result.text
    assert "1\u202f434,56\xa0€" in result.text
    assert "1 oct. 2026" in result.text
    english = render("You owe #total_overdue since #oldest_due_date.", ctx=context("en"))
    assert "€1,434.56" in english.text
    assert "Oct 1, 2026" in english.text


def test_tables_links_button_and_bank_details_in_both_parts():
    result = render(
        "#items_overdue\n\n#items_not_due\n\n[Pay online](#payment_link) or #statement_pdf_link\n\n"
        "#interactive_page_button\n\n#bank_details"
    )
    for number in ("F-1043", "F-1050", "F-1101"):
        assert number in result.html
        assert number in result.text
    assert '<a href="https://x/i/1.pdf"' in result.html  # the invoice's PDF link
    assert "(contestée)" in result.text  # a disputed item says so
    assert "Total échu" in result.text
    assert "1\u202f434,56\xa0€" in result.text
    assert 'href="https://relance.example/p/tok/pay/"' in result.html
    assert "Pay online (https://relance.example/p/tok/pay/)" in result.text
    assert 'href="https://relance.example/p/tok/"' in result.html  # the button
    assert "FR76 3000 6000 0112 3456 7890 189" in result.text
    assert "RF18C42" in result.html
    assert "<p>#" not in result.html
    assert "#items" not in result.text


def test_the_layout_inlines_its_css_and_carries_the_company_footer():
    result = render("Bonjour")
    assert "<style" in result.html  # kept for @media rules only
    assert 'class="content" style="' in result.html or 'style="padding:24px 32px' in result.html
    assert result.text.rstrip().endswith("Paris")


def test_a_hashtag_without_its_data_fails_clearly_instead_of_printing_nothing():
    compiled = compile_template(subject="Promise", body_source="You promised #promise_amount on #promise_date.")
    with pytest.raises(RenderError, match=r"#promise_amount, #promise_date.*promise to pay"):
        render_body(compiled, context())
    ok = render_body(compiled, context(promise_amount=eur(5000), promise_date=D(2026, 12, 15),
                                       provides=frozenset(NEEDS)))  # fmt: skip
    assert "50,00\xa0€" in ok.text
    assert "15 déc. 2026" in ok.text


def test_every_hashtag_declares_needs_and_a_sample_and_renders_in_both_languages():
    full = context(
        provides=frozenset(NEEDS),
        promise_amount=eur(5000),
        promise_date=D(2026, 12, 15),
        dispute_reason="Quantité",
        payment_deadline=D(2026, 12, 2),
        disputed=[context().overdue[1]],
    )
    for name, tag in HASHTAGS.items():
        assert tag.sample, name
        assert tag.description, name
        assert tag.needs <= set(NEEDS), name
        for language in ("en", "fr"):
            full.language = language
            assert tag.text(full).strip(), (name, language)
            assert tag.render_html(full).strip(), (name, language)


def test_the_default_templates_compile_and_exist_in_english_and_french(company, actor):
    shipped = default_templates()
    keys = {(t.code, t.channel) for t in shipped}
    assert {("preventive", "email"), ("overdue_courteous", "email"), ("overdue_firm", "email"),
            ("broken_promise", "email"), ("promise_confirmation", "email"), ("dispute_acknowledgement", "email"),
            ("formal_notice_cover", "email"), ("formal_notice", "letter")} <= keys  # fmt: skip
    for code, channel in keys:
        assert {t.language for t in shipped if (t.code, t.channel) == (code, channel)} == {"en", "fr"}
    assert templates_install_defaults(company=company, actor=actor) == len(shipped)
    assert templates_install_defaults(company=company, actor=actor) == 0
    french = template_for(company=company, code="preventive", channel="email", language="fr")
    assert french is not None
    assert french.language == "fr"
    assert "bon à payer" in french.body_source
    german = template_for(company=company, code="preventive", channel="email", language="de")
    assert german is not None
    assert german.language == company.language


def test_the_mime_message_parses_with_the_email_package():
    result = render("#items_overdue")
    raw = build_mime(
        Envelope(
            from_email="Atelier Durand SAS <relance@durand.example>",
            to=["Marie Leroy <marie@dupont.example>", "ap@dupont.example"],
            cc=["Zoé Achats <zoe@dupont.example>"],
            reply_to="Camille Martin <camille@durand.example>",
            subject=result.subject + " \u2013 échéance",
            text=result.text,
            html=result.html,
            message_id="<abc@durand.example>",
            headers={"X-Relance-Customer": "C-42"},
            attachments=[Attachment("relevé.pdf", "application/pdf", b"%PDF-1.4\n" + bytes(range(256)) * 40)],
        )
    )
    assert raw.isascii()
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == "Relevé C-42 \u2013 échéance"
    assert message["Cc"] == "Zoé Achats <zoe@dupont.example>"
    assert message["Message-ID"] == "<abc@durand.example>"
    assert message["X-Relance-Customer"] == "C-42"
    assert message.get_body(("plain",)).get_content().replace("\r\n", "\n") == result.text
    # The HTML travels as it is, its accents and symbols written as character references (mime.py)
    sent_html = message.get_body(("html",)).get_content().replace("\r\n", "\n")
    assert sent_html == result.html.encode("ascii", "xmlcharrefreplace").decode("ascii")
    assert message.get_body(("html",))["Content-Transfer-Encoding"] == "7bit"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "relevé.pdf"
    assert attachment.get_content() == b"%PDF-1.4\n" + bytes(range(256)) * 40


def test_the_admin_refuses_a_template_with_an_unknown_hashtag(company, admin_client):
    from django.urls import reverse

    url = reverse("admin:messaging_messagetemplate_add")
    form = {"company": company.pk, "code": "mine", "channel": "email", "language": "fr", "name": "Mine",
            "subject": "Relance", "body_format": "markdown", "body_source": "Vous devez #montant_du."}  # fmt: skip
    response = admin_client.post(url, form)
    assert response.status_code == 200
    assert "unknown hashtag #montant_du" in response.content.decode()
    assert not MessageTemplate.objects.exists()
    response = admin_client.post(url, {**form, "body_source": "Vous devez #total_overdue."})
    assert response.status_code == 302
    assert MessageTemplate.objects.get().body_html == "<p>Vous devez #total_overdue.</p>\n"


def test_a_preview_renders_with_sample_data_in_both_languages():
    from relance.messaging.services import template_preview

    for template in default_templates():
        if template.channel != "email":
            continue
        preview = template_preview(subject=template.subject, body_source=template.body, language=template.language)
        assert "#" not in preview.subject
        assert "F-2026-0412" in preview.html or template.code in ("dispute_acknowledgement", "promise_confirmation",
                                                                  "formal_notice_cover")  # fmt: skip
    with pytest.raises(TemplateError, match="#oops"):
        template_preview(subject="x", body_source="#oops")


def test_line_breaks_are_added_after_blocks_but_never_inside_pre():
    """The compiled e-mail ends a line after blocks and table cells (short lines: the HTML part can
    travel as it is), except inside <pre>, where a line break would show."""
    result = render("Intro\n\n<pre>a<div>b</div>c\n<ul><li>x</li><li>y</li></ul></pre>\n\n#items_overdue\n\nFin")
    assert "<pre>a<div>b</div>c\n<ul" in result.html  # nothing added inside the <pre> block
    assert "<li>x</li><li>y</li></ul></pre>" in result.html
    assert max(len(line) for line in result.html.split("\n")) < 990
    assert "</td>\n" in result.html
    assert "</p>\n" in result.html


def test_mime_html_goes_as_it_is_for_a_rendered_reminder_and_quoted_printable_with_non_ascii_css():
    result = render("Bonjour,\n\n#items_overdue\n\n#items_not_due\n\nCordialement")
    raw = build_mime(Envelope(from_email="a@b.example", to=["c@d.example"], subject="S", text="t", html=result.html))
    assert b"Content-Transfer-Encoding: 7bit" in raw
    styled = "<style>p{}</style><p>é</p><style>p::after{content:'é'}</style>"
    raw = build_mime(Envelope(from_email="a@b.example", to=["c@d.example"], subject="S", text="t", html=styled))
    html_head = raw.split(b"text/html", 1)[1][:120]
    assert b"quoted-printable" in html_head  # the second style block holds a non-ASCII character
