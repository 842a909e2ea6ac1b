"""Workspace: the company's settings, one page in sections, each section its own form and POST.

Sections: identity, letterhead and logo, bank account, late-payment penalties, daily run and send
window (with the coming public holidays of the company's country), customer portal, e-mail (with
the mail server in use and a "send a test e-mail" check). Administrators only; every save goes
through the owning app's service, which records an audit event naming the changed fields.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from relance.collection.domain.calendar import BusinessCalendar
from relance.collection.services.settings import collection_settings_for, collection_settings_update
from relance.core.audit import Actor
from relance.core.changes import fields_update
from relance.core.money import currency_exponent
from relance.ledger.models import Company
from relance.ledger.selectors import company_today
from relance.ledger.services import company_logo_set, company_update
from relance.ledger.validators import LOGO_MAX_BYTES
from relance.messaging.mail_settings import (
    mail_server_description,
    mail_settings_for,
    mail_settings_update,
    mail_test_send,
    sender_of,
)
from relance.portal.models import PortalSettings
from relance.web.access import workspace_view
from relance.web.company_settings import forms as f

SECTIONS = ("identity", "logo", "bank", "penalties", "run", "portal", "mail")
HOLIDAYS_SHOWN = 8


def portal_settings_for(company: Company) -> PortalSettings:
    """The portal's settings row (a new, unsaved one until the first save)."""
    return PortalSettings.for_company(company)


def coming_holidays(company: Company, today: dt.date, count: int = HOLIDAYS_SHOWN) -> list[tuple[dt.date, str]]:
    """The next public holidays on working days of the week, from the calendar the daily run uses."""
    calendar = BusinessCalendar(company.country)
    found: list[tuple[dt.date, str]] = []
    day = today
    for _i in range(400):
        if day.weekday() not in calendar.weekend and not calendar.is_business_day(day):
            found.append((day, calendar.why_closed(day)))
            if len(found) == count:
                break
        day += dt.timedelta(days=1)
    return found


def _minor_to_major(minor: int | None, currency: str) -> str:
    if minor is None:
        return ""
    exponent = currency_exponent(currency)
    sign = "-" if minor < 0 else ""
    whole, part = divmod(abs(minor), 10**exponent)
    return f"{sign}{whole}.{part:0{exponent}d}" if exponent else f"{sign}{whole}"


def _initial_forms(company: Company, today: dt.date) -> dict[str, Any]:
    run = collection_settings_for(company)
    mail = mail_settings_for(company)
    portal = portal_settings_for(company)
    identity_fields = [name for name in f.IdentityForm.base_fields]
    return {
        "identity": f.IdentityForm(initial={name: getattr(company, name) for name in identity_fields}),
        "logo": f.LogoForm(),
        "bank": f.BankForm(initial={"iban": company.iban, "bic": company.bic}),
        "penalties": f.PenaltyForm(
            currency=company.currency, today=today,
            initial={
                "penalties_enabled": company.penalties_enabled, "penalty_rule": company.penalty_rule,
                "penalty_contract_rate": company.penalty_contract_rate,
                "penalty_contract_fee": _minor_to_major(company.penalty_contract_fee, company.currency),
                "penalty_rate_of_delay_start": company.penalty_rate_of_delay_start,
            },
        ),
        "run": f.RunForm(
            initial={name: getattr(run, name) for name in ("run_time", "send_window_start", "send_window_end",
                                                           "promise_grace_days", "promise_max_days", "paused")}
        ),
        "portal": f.PortalForm(
            initial={
                "link_validity_days": mail.link_validity_days, "max_promise_days": portal.max_promise_days,
                "max_upload_mb": max(1, portal.max_upload_bytes // f.MB), "max_files": portal.max_files,
            }
        ),
        "mail": f.MailForm(
            initial={
                "from_name": mail.from_name, "from_email": mail.from_email,
                "reply_to_collector": mail.reply_to_collector, "archive_bcc": mail.archive_bcc,
                "attach_statement_pdf": mail.attach_statement_pdf, "invoice_pdfs": mail.invoice_pdfs,
                "max_attachment_mb": max(1, mail.max_attachment_bytes // f.MB),
            }
        ),
        "test_mail": f.TestMailForm(initial={"to": ""}),
    }  # fmt: skip


def _bank_name(iban: str) -> str:
    if not iban:
        return ""
    try:
        return IBAN(iban).bank_name or ""
    except SchwiftyException:
        return ""


def _page(
    request: HttpRequest, *, bound: dict[str, Any] | None = None, status: int = 200, **extra: Any
) -> HttpResponse:
    company: Company = request.ws.company  # type: ignore[attr-defined]
    today = company_today(company)
    form_set = _initial_forms(company, today)
    if bound:
        form_set.update(bound)
    if not form_set["test_mail"].is_bound and not form_set["test_mail"].initial.get("to"):
        form_set["test_mail"].initial["to"] = request.user.email  # type: ignore[union-attr]
    run = collection_settings_for(company)
    context = {
        "section": "settings",
        "company": company,
        "forms": form_set,
        "holidays": coming_holidays(company, today),
        "today": today,
        "run": run,
        "mail_server": mail_server_description(),
        "sender": sender_of(company),
        "bank_name": _bank_name(company.iban),
        "logo_max_kb": LOGO_MAX_BYTES // 1024,
        "french_floor": f.french_floor(today),
        **extra,
    }
    return render(request, "company_settings/index.html", context, status=status)


@workspace_view(admin=True)
def index(request: HttpRequest) -> HttpResponse:
    return _page(request)


def _saved(request: HttpRequest, section: str, changed: list[str]) -> HttpResponse:
    if changed:
        messages.success(request, _("Saved: %(count)d change(s).") % {"count": len(changed)})
    else:
        messages.info(request, _("Nothing changed."))
    return redirect(reverse("company_settings:index") + f"#{section}")


def _invalid(request: HttpRequest, section: str, form: Any) -> HttpResponse:
    messages.error(request, _("Please correct the errors below."))
    return _page(request, bound={section: form}, status=400, open_section=section)


def _apply_errors(form: Any, exc: ValidationError) -> None:
    """A service's ValidationError shown on the form's fields (or on top when not a field's)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _actor(request: HttpRequest) -> Actor:
    return request.ws.actor  # type: ignore[attr-defined, no-any-return]


def _save_section(
    request: HttpRequest, section: str, form: Any, save: Callable[[], list[str]], *, reload: bool = False
) -> HttpResponse:
    """A section's POST: a valid form is saved by `save` (a service; it returns the changed fields),
    a service's ValidationError comes back on the form's fields; the page again otherwise."""
    if form.is_valid():
        try:
            changed = save()
        except ValidationError as exc:
            if reload:  # the service may have set values on the instance before refusing them
                request.ws.company.refresh_from_db()  # type: ignore[attr-defined]
            _apply_errors(form, exc)
        else:
            return _saved(request, section, changed)
    return _invalid(request, section, form)


@require_POST
@workspace_view(admin=True)
def identity(request: HttpRequest) -> HttpResponse:
    company = request.ws.company  # type: ignore[attr-defined]
    form = f.IdentityForm(request.POST)
    return _save_section(
        request, "identity", form,
        lambda: company_update(company=company, values=form.values(), actor=_actor(request)), reload=True,
    )  # fmt: skip


@require_POST
@workspace_view(admin=True)
def bank(request: HttpRequest) -> HttpResponse:
    company = request.ws.company  # type: ignore[attr-defined]
    form = f.BankForm(request.POST)
    return _save_section(
        request, "bank", form,
        lambda: company_update(company=company, values=form.values(), actor=_actor(request)), reload=True,
    )  # fmt: skip


@require_POST
@workspace_view(admin=True)
def penalties(request: HttpRequest) -> HttpResponse:
    company = request.ws.company  # type: ignore[attr-defined]
    form = f.PenaltyForm(request.POST, currency=company.currency, today=company_today(company))
    return _save_section(
        request, "penalties", form,
        lambda: company_update(company=company, values=form.values(), actor=_actor(request)), reload=True,
    )  # fmt: skip


@require_POST
@workspace_view(admin=True)
def logo(request: HttpRequest) -> HttpResponse:
    company = request.ws.company  # type: ignore[attr-defined]
    form = f.LogoForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data.get("logo")
        try:
            company_logo_set(company=company, upload=upload or None, actor=_actor(request))
        except ValidationError as exc:
            company.refresh_from_db()
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Logo saved.") if upload else _("Logo removed."))
            return redirect(reverse("company_settings:index") + "#logo")
    return _invalid(request, "logo", form)


@workspace_view(admin=True)
def logo_file(request: HttpRequest) -> HttpResponse:
    """The current logo, for the preview (media files are not served publicly)."""
    company = request.ws.company  # type: ignore[attr-defined]
    if not company.logo:
        raise Http404("no logo")
    try:
        handle = company.logo.open("rb")
    except OSError:
        raise Http404("logo file missing") from None
    content_type = mimetypes.guess_type(company.logo.name)[0] or "application/octet-stream"
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, no-cache"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_POST
@workspace_view(admin=True)
def run(request: HttpRequest) -> HttpResponse:
    company = request.ws.company  # type: ignore[attr-defined]
    form = f.RunForm(request.POST)
    return _save_section(
        request,
        "run",
        form,
        lambda: collection_settings_update(company=company, values=form.values(), actor=_actor(request)),
    )


@require_POST
@workspace_view(admin=True)
def portal(request: HttpRequest) -> HttpResponse:
    company = request.ws.company  # type: ignore[attr-defined]
    form = f.PortalForm(request.POST)

    def save() -> list[str]:
        with transaction.atomic():
            changed = mail_settings_update(company=company, values=form.mail_values(), actor=_actor(request))
            return changed + fields_update(
                instance=portal_settings_for(company), values=form.portal_values(), actor=_actor(request),
                code="portal.settings.updated", company=company,
            )  # fmt: skip

    return _save_section(request, "portal", form, save)


@require_POST
@workspace_view(admin=True)
def mail(request: HttpRequest) -> HttpResponse:
    company = request.ws.company  # type: ignore[attr-defined]
    form = f.MailForm(request.POST)
    return _save_section(
        request,
        "mail",
        form,
        lambda: mail_settings_update(company=company, values=form.values(), actor=_actor(request)),
    )


@require_POST
@workspace_view(admin=True)
def mail_test(request: HttpRequest) -> HttpResponse:
    company = request.ws.company  # type: ignore[attr-defined]
    form = f.TestMailForm(request.POST)
    if not form.is_valid():
        return _page(request, bound={"test_mail": form}, status=400, open_section="mail")
    result = mail_test_send(company=company, to=form.cleaned_data["to"], actor=_actor(request))
    return _page(request, bound={"test_mail": form}, test_result=result, open_section="mail")
