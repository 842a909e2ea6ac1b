"""The collectors' workspace. For now one page: each company's receivables by aging bucket."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from relance.ledger.selectors import aging_for_company, companies_for_user, company_today


@login_required
def home(request: HttpRequest) -> HttpResponse:
    rows = []
    for company in companies_for_user(user=request.user):
        as_of = company_today(company)
        rows.append({"company": company, "as_of": as_of, "aging": aging_for_company(company=company, as_of=as_of)})
    return render(request, "web/home.html", {"rows": rows, "language": request.LANGUAGE_CODE})
