"""The collectors' workspace. For now one page: each company's receivables by aging bucket."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language

from relance.ledger.selectors import aging_for_company, companies_for_user, company_today


@login_required
def home(request: HttpRequest) -> HttpResponse:
    language = (get_language() or "en")[:2]
    rows = []
    for company in companies_for_user(user=request.user):
        as_of = company_today(company)
        currencies = [
            {
                "currency": currency,
                "amounts": [amount.format(language) for _name, amount in aging.buckets()],
                "balance": aging.balance.format(language),
            }
            for currency, aging in aging_for_company(company=company, as_of=as_of).items()
        ]
        rows.append({"company": company, "as_of": as_of, "currencies": currencies})
    return render(request, "web/home.html", {"rows": rows})
