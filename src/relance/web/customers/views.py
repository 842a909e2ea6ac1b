"""Workspace: Customers."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from relance.web.access import workspace_view


@workspace_view
def list(request: HttpRequest) -> HttpResponse:
    return render(request, "web/placeholder.html", {"heading": _("Customers"), "section": "customers"})
