"""The customer's interactive page and documents, reached through a signed link.

Every view resolves the token first: an altered, unknown, revoked or expired token gets a page
that says so and shows no data (issue 6 adds the page's answers, payments and the renewal of
expired links).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from relance.collection.statements import statement_bundle, statement_pdf_for, statement_xlsx_for
from relance.ledger.models import Invoice
from relance.ledger.selectors import company_today
from relance.messaging.links import LinkError, resolve
from relance.messaging.models import AccessLink

View = Callable[..., HttpResponseBase]


def with_link(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, token: str, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            link = resolve(token)
        except LinkError as error:
            refused = render(request, "portal/link_error.html", {"reason": error.reason}, status=403)
            refused["Cache-Control"] = "no-store"
            return refused
        AccessLink.objects.filter(pk=link.pk).update(last_used_at=timezone.now())
        language = (link.contact.language if link.contact else "") or link.customer.language
        with translation.override(language):
            response = view(request, link, *args, **kwargs)
        response["Cache-Control"] = "private, no-store"
        response["X-Robots-Tag"] = "noindex"
        return response

    return wrapper


@require_GET
@with_link
def page(request: HttpRequest, link: AccessLink) -> HttpResponseBase:
    today = company_today(link.company)
    bundle = statement_bundle(company=link.company, customer=link.customer, as_of=today)
    return render(request, "portal/page.html", {"link": link, "bundle": bundle, "token": link.key})


@require_GET
@with_link
def pay(request: HttpRequest, link: AccessLink) -> HttpResponseBase:
    today = company_today(link.company)
    bundle = statement_bundle(company=link.company, customer=link.customer, as_of=today)
    return render(request, "portal/page.html", {"link": link, "bundle": bundle, "pay": True})


@require_GET
@with_link
def statement_pdf(request: HttpRequest, link: AccessLink) -> HttpResponseBase:
    today = company_today(link.company)
    bundle = statement_bundle(company=link.company, customer=link.customer, as_of=today)
    language = (link.contact.language if link.contact else "") or link.customer.language
    response = HttpResponse(statement_pdf_for(bundle, language=language), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="statement-{link.customer.code}-{today}.pdf"'
    return response


@require_GET
@with_link
def statement_xlsx(request: HttpRequest, link: AccessLink) -> HttpResponseBase:
    today = company_today(link.company)
    bundle = statement_bundle(company=link.company, customer=link.customer, as_of=today)
    language = (link.contact.language if link.contact else "") or link.customer.language
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
