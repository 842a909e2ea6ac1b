"""The customer's interactive page and documents, reached through a signed link.

Every view resolves the token first: an altered, unknown, revoked or expired token gets a page
that says so and shows no data (an expired one offers to send a fresh link to the contacts on
file). Repeated bad tokens from one address are refused for a while (429). Answers are stored
before anything else happens (`services.submission_store`), then acted on.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from html import escape as html_escape
from typing import Any, NamedTuple
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.http import RFC3986_SUBDELIMS
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from relance.collection.models import Dispute, DisputeStatus, Promise, PromiseStatus
from relance.collection.statements import statement_bundle, statement_pdf_for, statement_xlsx_for
from relance.core.audit import Actor
from relance.core.errors import RelanceError
from relance.core.money import Money, money_formatter
from relance.core.sqlrows import load_one
from relance.documents.payment_qr import customer_rf_reference, format_iban, format_reference, transfer_for
from relance.ledger.models import Customer, Invoice
from relance.ledger.selectors import CurrencyTotals, StatementLine, companies_for_user, company_today, statement_lines
from relance.messaging.links import LinkError, resolve
from relance.messaging.models import AccessLink
from relance.portal import forms as portal_forms
from relance.portal.models import PortalSettings, PortalSubmission, SubmissionFile, SubmissionKind, SubmissionStatus
from relance.portal.services import (
    PortalError,
    colleague_answer,
    colleague_resolve,
    link_opened,
    link_renew,
    submission_accept,
    submission_process,
    submission_reject,
    submission_store,
)
from relance.portal.uploads import UploadRefused, check_upload

View = Callable[..., HttpResponseBase]
LANGUAGES = ("en", "fr")
SESSION_LANGUAGE = "portal_language"


def bad_token_limit() -> tuple[int, int]:
    """(bad tokens allowed, per seconds) from one client address."""
    limit = getattr(settings, "RELANCE_PORTAL_BAD_TOKENS", (20, 600))
    return int(limit[0]), int(limit[1])


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:45]


def _too_many(request: HttpRequest) -> bool:
    limit, _window = bad_token_limit()
    return int(cache.get(f"portal:bad:{client_ip(request)}", 0)) >= limit


def _count_bad(request: HttpRequest) -> None:
    _limit, window = bad_token_limit()
    key = f"portal:bad:{client_ip(request)}"
    if cache.add(key, 1, window):
        return
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, window)


def _no_store(response: HttpResponseBase) -> HttpResponseBase:
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"  # the token is in the URL
    return response


def _rate_limited(request: HttpRequest) -> HttpResponseBase:
    response = render(request, "portal/rate_limited.html", {"lang": translation.get_language()}, status=429)
    response["Retry-After"] = str(bad_token_limit()[1])
    return _no_store(response)


def _language(request: HttpRequest, link: AccessLink) -> str:
    asked = request.GET.get("lang", "")
    if asked in LANGUAGES:
        request.session[SESSION_LANGUAGE] = asked
        return asked
    chosen = request.session.get(SESSION_LANGUAGE, "")
    if chosen in LANGUAGES:
        return str(chosen)
    language = ((link.contact.language if link.contact else "") or link.customer.language or "en")[:2]
    return language if language in LANGUAGES else "en"


def _refused(request: HttpRequest, error: LinkError, token: str) -> HttpResponseBase:
    language = request.GET.get("lang", "") or (error.link.customer.language[:2] if error.link else "en")
    language = language if language in LANGUAGES else "en"
    with translation.override(language):
        response = render(
            request, "portal/link_error.html",
            {"reason": error.reason, "token": token if error.reason == "expired" else "", "lang": language},
            status=403,
        )  # fmt: skip
    return _no_store(response)


def with_link(view: View) -> View:
    """Resolve the token (or refuse), pick the reader's language, then call `view(request, link, ...)`."""

    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if _too_many(request):
            return _rate_limited(request)
        try:
            link = resolve(token)
        except LinkError as error:
            if error.reason == "invalid":
                _count_bad(request)
            return _refused(request, error, token)
        now = timezone.now()
        if link.last_used_at is None or now - link.last_used_at > dt.timedelta(minutes=1):
            AccessLink.objects.filter(pk=link.pk).update(last_used_at=now)  # to the minute: one write a minute
        language = _language(request, link)
        with translation.override(language):
            response = view(request, link, *args, **kwargs)
        return _no_store(response)

    return wrapper


# --- the page --------------------------------------------------------------------------------------

STATUS_FILTERS = ("overdue", "not_due", "promised", "disputed", "in_transit", "credit")


def in_transit_ids(link: AccessLink) -> frozenset[int]:
    """Invoices paid online and not yet confirmed by the bank (relance.payments, when installed)."""
    try:
        from relance.payments.selectors import in_transit_invoice_ids  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        return frozenset()
    return frozenset(in_transit_invoice_ids(link.customer))


def _action_labels() -> dict[str, str]:
    """What each panel of the page offers, in the customer's words."""
    return {
        SubmissionKind.ACKNOWLEDGE: _("We received these invoices"),
        SubmissionKind.VALIDATED: _("Validated for payment"),
        SubmissionKind.IN_PAYMENT: _("They are in payment"),
        SubmissionKind.PROMISE: _("Promise to pay"),
        SubmissionKind.DISPUTE: _("Dispute"),
        SubmissionKind.QUESTION: _("Ask a question or comment"),
        SubmissionKind.PROOF: _("Send a proof of payment"),
        SubmissionKind.BANK_CONFIRMED: _("Confirm your bank details shown below"),
        SubmissionKind.BANK_CHANGED: _("Our bank details changed"),
        SubmissionKind.CONTACT: _("Update my contact details"),
    }


def _status_labels() -> dict[str, str]:
    return {
        "overdue": _("Overdue"),
        "not_due": _("Not yet due"),
        "promised": _("Payment promised"),
        "disputed": _("Disputed"),
        "in_transit": _("Paid, in transit"),
        "credit": _("Credit"),
    }


class Row(NamedTuple):
    """One line of the page's statement (a named tuple: 200 of them are built per view)."""

    item_id: int
    kind: str
    number: str
    issue_date: dt.date
    due_date: dt.date
    amount: str  # formatted in the reader's language, HTML-safe (see `_amount_text`)
    open_amount: str
    days_overdue: int
    status: str
    selectable: bool
    pdf: bool


@functools.cache
def _statuses_sql() -> str:
    """Open disputes, open promises and PDFs of a customer's invoices in one plain SQL statement
    (the ORM took longer to build these three queries than the database to answer them)."""
    disputes, promises = Dispute.invoices.through._meta, Promise.invoices.through._meta
    dispute_column, promise_column = disputes.get_field("dispute").column, promises.get_field("promise").column
    disputed_column, promised_column = disputes.get_field("invoice").column, promises.get_field("invoice").column
    return (
        f'SELECT 1, di."{disputed_column}" FROM "{disputes.db_table}" di '  # noqa: S608 - names from the models
        f'INNER JOIN "{Dispute._meta.db_table}" d ON d.id = di."{dispute_column}" '
        "WHERE d.customer_id = %s AND d.status = %s "
        "UNION ALL "
        f'SELECT 2, pi."{promised_column}" FROM "{promises.db_table}" pi '
        f'INNER JOIN "{Promise._meta.db_table}" p ON p.id = pi."{promise_column}" '
        "WHERE p.customer_id = %s AND p.status = %s "
        "UNION ALL "
        f'SELECT 3, id FROM "{Invoice._meta.db_table}" WHERE customer_id = %s AND id IN ({{marks}}) '
        "AND (pdf <> '' OR pdf_url <> '')"
    )


def _statuses(customer_id: int, ids: list[int]) -> tuple[frozenset[int], frozenset[int], frozenset[int]]:
    """(invoices in an open dispute, invoices under an open promise, invoices with a PDF)."""
    sql = _statuses_sql().replace("{marks}", ", ".join(["%s"] * len(ids)) if ids else "NULL")
    params: list[Any] = [customer_id, DisputeStatus.OPEN.value, customer_id, PromiseStatus.OPEN.value, customer_id]
    params += ids
    found: tuple[set[int], set[int], set[int]] = (set(), set(), set())
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for which, invoice_id in cursor.fetchall():
            found[which - 1].add(invoice_id)
    return frozenset(found[0]), frozenset(found[1]), frozenset(found[2])


@dataclass(frozen=True, slots=True)
class Account:
    """What the page shows of the account: the statement's lines and totals (the ledger's lean
    `statement_lines`: same items, same order as `customer_statement`), the open disputes and
    promises and the invoices with a PDF. Penalties, which the page does not show, are left to the
    PDF and e-mails (`statement_bundle`). Read afresh on every view: nothing of it is cached."""

    lines: list[StatementLine]
    totals: dict[str, tuple[int, int, int]]  # currency -> (overdue, not due, credits) in minor units
    disputed_invoice_ids: frozenset[int]
    promised_invoice_ids: frozenset[int]
    pdf_invoice_ids: frozenset[int]


def _account(link: AccessLink, today: dt.date) -> Account:
    lines, totals = statement_lines(company=link.company, customer=link.customer, as_of=today)
    ids = [line[1] for line in lines if line[0] != "payment"]
    disputed, promised, with_pdf = _statuses(link.customer_id, ids)
    return Account(lines, totals, disputed, promised, with_pdf)


@functools.cache
def _amount_text(currency: str, language: str) -> Callable[[int], str]:
    """The amounts of one currency as the language writes them, safe in HTML. Babel's symbols and
    separators never hold `& < > " '` in practice: then nothing is escaped (the check is exact:
    the text is only digits and the pattern's pieces, all present in the two samples)."""
    text = money_formatter(currency, language)
    sample = text(-123_456_789_012) + text(123_456_789_012)
    if html_escape(sample) == sample:
        return text
    return lambda minor: html_escape(text(minor))


def _rows(link: AccessLink, bundle: Account, language: str) -> list[Row]:
    transit = in_transit_ids(link)
    disputed, promised, with_pdf = bundle.disputed_invoice_ids, bundle.promised_invoice_ids, bundle.pdf_invoice_ids
    rows = []
    for kind, item_id, number, issue, due, amount, open_amount, currency, days in bundle.lines:
        text = _amount_text(currency, language)
        invoice = kind in ("invoice", "debit_note")
        if not invoice:
            status = "credit"
        elif item_id in transit:
            status = "in_transit"
        elif item_id in disputed:
            status = "disputed"
        elif item_id in promised:
            status = "promised"
        else:
            status = "overdue" if days > 0 else "not_due"
        amount_text = text(amount)
        open_text = amount_text if open_amount == amount else text(open_amount)  # nothing paid yet: same text
        rows.append(
            Row(item_id, kind, number, issue, due, amount_text, open_text, days, status,
                invoice and open_amount > 0, invoice and item_id in with_pdf)
        )  # fmt: skip
    return rows


FORMS: dict[str, type[portal_forms.ItemsForm]] = {
    SubmissionKind.ACKNOWLEDGE: portal_forms.SimpleForm,
    SubmissionKind.VALIDATED: portal_forms.SimpleForm,
    SubmissionKind.IN_PAYMENT: portal_forms.SimpleForm,
    SubmissionKind.PROMISE: portal_forms.PromiseForm,
    SubmissionKind.DISPUTE: portal_forms.DisputeForm,
    SubmissionKind.QUESTION: portal_forms.QuestionForm,
    SubmissionKind.PROOF: portal_forms.ProofForm,
    SubmissionKind.BANK_CONFIRMED: portal_forms.BankConfirmForm,
    SubmissionKind.BANK_CHANGED: portal_forms.BankChangedForm,
    SubmissionKind.CONTACT: portal_forms.ContactForm,
}


def _make_form(
    kind: str, link: AccessLink, rows: list[Row], today: dt.date, portal: PortalSettings, data: Any = None,
    files: Any = None,
) -> portal_forms.ItemsForm:  # fmt: skip
    choices = [(row.item_id, row.number) for row in rows if row.selectable]
    options: dict[str, Any] = {"invoice_choices": choices, "prefix": kind}
    if kind == SubmissionKind.PROMISE:
        options |= {"today": today, "max_days": portal.max_promise_days}
    if data is None and kind == SubmissionKind.CONTACT and link.contact is not None:
        options["initial"] = {"name": link.contact.name, "email": link.contact.email, "phone": link.contact.phone}
    form = FORMS[kind](data, files, **options)
    return form


def _page_context(
    request: HttpRequest, link: AccessLink, *, bound: portal_forms.ItemsForm | None = None, message: str = "",
    selected: list[int] | None = None,
) -> dict[str, Any]:  # fmt: skip
    language = translation.get_language() or "en"
    company, customer = link.company, link.customer
    today = company_today(company)
    bundle = _account(link, today)
    rows = _rows(link, bundle, language)
    counts = dict.fromkeys(STATUS_FILTERS, 0)
    for row in rows:
        counts[row.status] += 1
    wanted = request.GET.get("status", "")
    shown = [row for row in rows if row.status == wanted] if wanted in STATUS_FILTERS else rows
    totals = []
    for currency, (overdue, not_due, credits) in bundle.totals.items():
        text = money_formatter(currency, language)
        totals.append({"currency": currency, "overdue": text(overdue), "not_due": text(not_due),
                       "credits": text(credits), "balance": text(overdue + not_due + credits)})  # fmt: skip
    eur = bundle.totals.get("EUR")
    eur_totals = CurrencyTotals("EUR", *(Money(minor, "EUR") for minor in eur)) if eur is not None else None
    transfer = transfer_for(company, customer, eur_totals)
    qr = _qr_svg(transfer.payload()) if transfer is not None else None
    portal = PortalSettings.for_company(company)
    token = request.resolver_match.kwargs["token"] if request.resolver_match else ""
    urls = _urls(token)
    labels = _action_labels()
    panels = [_panel(kind, labels[kind], link, rows, today, portal, urls[kind], bound, language) for kind in FORMS]
    labels_by_status = _status_labels()
    collector = _collector(customer)
    return {
        "link": link,
        "token": token,
        "urls": urls,
        "company": company,
        "customer": customer,
        "collector": collector,
        "contact": link.contact,
        "today": today,
        "lang": language,
        "totals": totals,
        "rows_html": _rows_html(shown, urls["invoice_pdf"], set(selected or []), language),
        "all_count": len(rows),
        "filters": [{"key": k, "label": labels_by_status[k], "count": counts[k]} for k in STATUS_FILTERS if counts[k]],
        "status": wanted if wanted in STATUS_FILTERS else "",
        "qr": qr,
        "transfer": transfer,
        "qr_amount": transfer.amount.format(language) if transfer is not None else "",
        "iban": format_iban(company.iban) if company.iban else "",
        "reference": format_reference(customer_rf_reference(company, customer)),
        "panels": panels,
        "message": message,
        "selected": set(selected or []),
        "has_pay": bool(urls["pay"]),
    }


def _collector(customer: Customer) -> Any:
    """The customer's collector (the page's contact), read in plain SQL, or None."""
    if customer.collector_id is None:
        return None
    user = load_one(get_user_model(), "t.id = %s", [customer.collector_id])
    if user is not None:
        customer.collector = user  # kept on the customer, as the ORM's lazy read would have
    return user


TOKEN_PLACEHOLDER = "TOKEN-PLACEHOLDER"  # noqa: S105 - not a secret: replaced by the real token


@functools.lru_cache(maxsize=16)
def _url_patterns(urlconf: str, script_prefix: str) -> dict[str, str]:
    """The page's URLs reversed once per process with a placeholder token (reverse() costs tens of
    microseconds a call; the page needs 15). `pay` is empty when the payments app is not routed."""
    with_token = [TOKEN_PLACEHOLDER]
    patterns = {
        "page": reverse("portal:page", args=with_token),
        "statement_pdf": reverse("portal:statement_pdf", args=with_token),
        "statement_xlsx": reverse("portal:statement_xlsx", args=with_token),
        "invoice_pdf": reverse("portal:invoice_pdf", args=[TOKEN_PLACEHOLDER, 0]).removesuffix("0.pdf"),
    }
    try:
        patterns["pay"] = reverse("portal:pay", args=with_token)
    except NoReverseMatch:
        patterns["pay"] = ""
    for kind in FORMS:
        patterns[kind] = reverse("portal:submit", args=[TOKEN_PLACEHOLDER, kind])
    return patterns


def _urls(token: str) -> dict[str, str]:
    """The page's URLs for this token: what reverse() would return (the token quoted as it does)."""
    quoted = quote(token, safe=RFC3986_SUBDELIMS + "/~:@")
    patterns = _url_patterns(str(get_urlconf() or settings.ROOT_URLCONF), get_script_prefix())
    return {name: pattern.replace(TOKEN_PLACEHOLDER, quoted) for name, pattern in patterns.items()}


@functools.lru_cache(maxsize=256)
def _qr_svg(payload: str) -> str:
    """The EPC QR code as an SVG data URI (the same payload draws the same code: kept)."""
    import segno

    qr = segno.make_qr(payload.encode("utf-8"), error="m", boost_error=False, mask=0)
    return str(qr.svg_data_uri(scale=4, border=4))


PANEL_CACHE_SIZE = 512
_PANELS: dict[tuple[Any, ...], str] = {}


def _panel(
    kind: str, label: str, link: AccessLink, rows: list[Row], today: dt.date, portal: PortalSettings, url: str,
    bound: portal_forms.ItemsForm | None, language: str,
) -> SafeString:  # fmt: skip
    """One answer panel. An empty panel depends only on its kind, the language, the day, the
    promise limit and (the contact panel) the contact's details on file, all in the key: it is
    rendered once per process and key (its URL carries the token: put back in). The invoices to
    choose are the statement's checkboxes, not part of a panel."""
    if bound is not None and bound.prefix == kind:
        context = {"p": {"kind": kind, "label": label, "form": bound, "open": True, "url": url}}
        return mark_safe(render_to_string("portal/_panel.html", context))  # noqa: S308 - a rendered template
    contact = link.contact
    initial = (contact.name, contact.email, contact.phone) if kind == "contact" and contact is not None else None
    key = (kind, language, today, portal.max_promise_days, initial)
    placeholder = _url_patterns(str(get_urlconf() or settings.ROOT_URLCONF), get_script_prefix())[kind]
    html = _PANELS.get(key)
    if html is None:
        form = _make_form(kind, link, rows, today, portal)
        context = {"p": {"kind": kind, "label": label, "form": form, "open": False, "url": placeholder}}
        html = render_to_string("portal/_panel.html", context)
        if len(_PANELS) >= PANEL_CACHE_SIZE:
            _PANELS.clear()
        _PANELS[key] = html
    return mark_safe(html.replace(html_escape(placeholder), html_escape(url)))  # noqa: S308 - a rendered template


@functools.lru_cache(maxsize=8192)
def _short_date(value: dt.date, language: str) -> str:
    """A date as the active language writes it (`language` is the active one: part of the key)."""
    return str(escape(date_format(value, "SHORT_DATE_FORMAT")))


def _rows_html(rows: list[Row], invoice_pdf_prefix: str, selected: set[int], language: str) -> SafeString:
    """The statement's rows (200 of them render 20x faster here than in a template loop); every
    value is escaped (the amounts are HTML-safe already: `_amount_text`)."""
    if not rows:
        return format_html('<tr><td colspan="8">{}</td></tr>', _("No item with this status."))
    escape = html_escape  # the standard library's: 3x faster than Django's lazy-aware one on plain str
    pdf_prefix = escape(invoice_pdf_prefix)
    # escape() maps character by character: escaping a label before filling in a number (or an
    # escaped invoice number) gives the same text as escaping it after.
    late_label, invoice_label = escape(_("%(days)s d overdue")), escape(_("Invoice %(number)s"))
    badges = {status: escape(label) for status, label in _status_labels().items()}
    dates: dict[dt.date, str] = {}
    parts = []
    for r in rows:
        number = escape(r.number)
        item_id = r.item_id
        if r.selectable:
            checked = " checked" if item_id in selected else ""
            box = f'<input type="checkbox" name="invoices" value="{item_id}" id="i{item_id}"{checked}>'
            head = f'<label for="i{item_id}">{number}</label>'
        else:
            box, head = "", number
        late = f' <span class="muted">{late_label % {"days": r.days_overdue}}</span>' if r.status == "overdue" else ""
        pdf = ""
        if r.pdf:
            hidden = invoice_label % {"number": number}
            pdf = f'<a href="{pdf_prefix}{item_id}.pdf"><span class="sr-only">{hidden} </span>PDF</a>'
        issued = dates.get(r.issue_date) or dates.setdefault(r.issue_date, _short_date(r.issue_date, language))
        due = dates.get(r.due_date) or dates.setdefault(r.due_date, _short_date(r.due_date, language))
        parts.append(
            f'<tr><td>{box}</td><th scope="row">{head}</th><td>{issued}</td><td>{due}</td>'
            f'<td class="num">{r.amount}</td><td class="num">{r.open_amount}</td>'
            f'<td><span class="badge {r.status}">{badges[r.status]}</span>{late}</td><td>{pdf}</td></tr>'
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


@require_GET
@with_link
def page(request: HttpRequest, link: AccessLink) -> HttpResponseBase:
    link_opened(link=link, client_ip=client_ip(request))
    context = _page_context(request, link)
    sent = request.GET.get("sent", "")
    if sent in SubmissionKind.values:
        context["message"] = _("Thank you: your answer was received and sent to %(name)s.") % {
            "name": link.company.name
        }
    template = "portal/_answers.html" if request.headers.get("HX-Request") else "portal/page.html"
    return render(request, template, context)


def _selected(request: HttpRequest) -> list[int]:
    found = []
    for value in request.POST.getlist("invoices"):
        if value.isdigit():
            found.append(int(value))
    return found


@require_POST
@with_link
def submit(request: HttpRequest, link: AccessLink, kind: str) -> HttpResponseBase:
    if kind not in FORMS:
        raise Http404("No such answer.")
    today = company_today(link.company)
    portal = PortalSettings.for_company(link.company)
    rows = _rows(link, _account(link, today), translation.get_language() or "en")
    selected = _selected(request)
    # The invoices are shared by every panel (the statement's checkboxes), validated here.
    data = request.POST.copy()
    data.setlist(f"{kind}-invoices", [str(i) for i in selected])
    form = _make_form(kind, link, rows, today, portal, data=data, files=request.FILES)
    checked = []
    if form.is_valid():
        uploads = request.FILES.getlist(f"{kind}-attachments")
        if len(uploads) > portal.max_files:
            form.add_error("attachments", _("Send at most %(count)s files at once.") % {"count": portal.max_files})
        for upload in uploads:
            try:
                checked.append(check_upload(upload, max_bytes=portal.max_upload_bytes))
            except UploadRefused as refused:
                form.add_error("attachments", str(refused))
    hx = bool(request.headers.get("HX-Request"))
    if not form.is_valid():
        context = _page_context(request, link, bound=form, selected=selected)
        context["message"] = _("Please correct the errors below.")
        context["message_error"] = True
        return render(request, "portal/_answers.html" if hx else "portal/page.html", context, status=200 if hx else 400)
    submission = submission_store(
        link=link, kind=kind, payload=form.payload(), invoice_ids=form.cleaned_data.get("invoices") or [],
        files=checked, client_ip=client_ip(request) or None,
    )  # fmt: skip
    processed = submission_process(submission=submission, today=today)
    if processed.error:
        message = _("Your answer was received and passed on to %(name)s, who will get back to you.") % {
            "name": link.company.name
        }
    else:
        message = _("Thank you: your answer was received and sent to %(name)s.") % {"name": link.company.name}
    if hx:
        context = _page_context(request, link, message=message)
        return render(request, "portal/_answers.html", context)
    return HttpResponseRedirect(reverse("portal:page", args=[request.resolver_match.kwargs["token"]]) + f"?sent={kind}")  # type: ignore[union-attr]


@require_POST
def renew(request: HttpRequest, token: str) -> HttpResponseBase:
    """An expired link: send a fresh one to the contacts on file (at most once per link and 10 minutes)."""
    if _too_many(request):
        return _rate_limited(request)
    try:
        link = resolve(token)
    except LinkError as error:
        if error.reason != "expired" or error.link is None:
            if error.reason == "invalid":
                _count_bad(request)
            return _refused(request, error, token)
        link = error.link
    else:  # still valid: nothing to renew
        return redirect("portal:page", token=token)
    language = request.POST.get("lang", "") or link.customer.language[:2]
    language = language if language in LANGUAGES else "en"
    if cache.add(f"portal:renew:{link.pk}", 1, 600):
        link_renew(link=link)
    with translation.override(language):
        response = render(request, "portal/link_renewed.html", {"lang": language})
    return _no_store(response)


@require_GET
@with_link
def statement_pdf(request: HttpRequest, link: AccessLink) -> HttpResponseBase:
    today = company_today(link.company)
    bundle = statement_bundle(company=link.company, customer=link.customer, as_of=today)
    language = translation.get_language() or link.customer.language
    response = HttpResponse(statement_pdf_for(bundle, language=language), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="statement-{link.customer.code}-{today}.pdf"'
    return response


@require_GET
@with_link
def statement_xlsx(request: HttpRequest, link: AccessLink) -> HttpResponseBase:
    today = company_today(link.company)
    bundle = statement_bundle(company=link.company, customer=link.customer, as_of=today)
    language = translation.get_language() or link.customer.language
    content = statement_xlsx_for(bundle, language=language)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="statement-{link.customer.code}-{today}.xlsx"'
    return response


@require_GET
@with_link
def invoice_pdf(request: HttpRequest, link: AccessLink, invoice_id: int) -> HttpResponseBase:
    invoice = Invoice.objects.filter(pk=invoice_id, customer=link.customer, company=link.company).first()
    if invoice is None:
        raise Http404("No such invoice on this account.")
    if invoice.pdf:
        return FileResponse(invoice.pdf.open("rb"), content_type="application/pdf", filename=f"{invoice.number}.pdf")
    if invoice.pdf_url:
        return HttpResponseRedirect(invoice.pdf_url)
    raise Http404("This invoice has no PDF on file.")


# --- the collector's side: submissions and their files (signed-in members of the company) -----------


@login_required
@require_GET
def submissions(request: HttpRequest) -> HttpResponseBase:
    rows = (
        PortalSubmission.objects.filter(company__in=companies_for_user(user=request.user))
        .select_related("customer", "contact", "company")
        .prefetch_related("files")[:200]
    )
    return render(request, "portal/submissions.html", {"submissions": rows})


@login_required
@require_POST
def submission_decide(request: HttpRequest, pk: int) -> HttpResponseBase:
    submission = get_object_or_404(
        PortalSubmission, pk=pk, company__in=companies_for_user(user=request.user), status=SubmissionStatus.PENDING
    )
    actor = Actor.for_user(request.user)  # type: ignore[arg-type]
    note = request.POST.get("note", "")[:2000]
    if request.POST.get("decision") == "reject":
        submission_reject(actor=actor, submission=submission, reason=note or "rejected")
    else:
        submission_accept(actor=actor, submission=submission, note=note)
    return redirect("portal:submissions")


@login_required
@require_GET
def submission_file(request: HttpRequest, pk: int) -> HttpResponseBase:
    """A customer's upload, only for members of the company it was sent to; always downloaded."""
    found = get_object_or_404(SubmissionFile, pk=pk, submission__company__in=companies_for_user(user=request.user))
    response = FileResponse(
        found.file.open("rb"), as_attachment=True, filename=found.original_name, content_type=found.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


# --- a colleague answers about a dispute ------------------------------------------------------------


class ColleagueAnswerForm(forms.Form):
    text = forms.CharField(label="Your answer", max_length=4000, widget=forms.Textarea(attrs={"rows": 6}))


@require_http_methods(["GET", "POST"])
def colleague(request: HttpRequest, token: str) -> HttpResponseBase:
    if _too_many(request):
        return _rate_limited(request)
    try:
        dispute, email, name = colleague_resolve(token)
    except PortalError as error:
        if str(error) == "invalid":
            _count_bad(request)
        response = render(request, "portal/colleague.html", {"refused": str(error), "lang": "en"}, status=403)
        return _no_store(response)
    form = ColleagueAnswerForm(request.POST or None)
    done = False
    error_text = ""
    if request.method == "POST" and form.is_valid():
        try:
            colleague_answer(token=token, text=form.cleaned_data["text"])
            done = True
            form = ColleagueAnswerForm()
        except RelanceError as error:
            error_text = str(error)
    context = {"dispute": dispute, "email": email, "name": name, "form": form, "done": done, "error": error_text,
               "comments": dispute.comments.all(), "invoices": list(dispute.invoices.all()), "lang": "en"}  # fmt: skip
    return _no_store(render(request, "portal/colleague.html", context))
