"""Workspace: Scenarios."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from relance.web.access import workspace_view


@workspace_view(manager=True)
def scenarios(request: HttpRequest) -> HttpResponse:
    return render(request, "web/placeholder.html", {"heading": _("Scenarios"), "section": "editors"})


@workspace_view(manager=True)
def templates(request: HttpRequest) -> HttpResponse:
    return render(request, "web/placeholder.html", {"heading": _("Templates"), "section": "templates"})
