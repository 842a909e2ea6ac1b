"""The workspace's frame: the home page sends a collector to their agenda; company switching."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from relance.web.access import SESSION_KEY, workspace_view, workspaces_for


@workspace_view
def home(request: HttpRequest) -> HttpResponse:
    return redirect("agenda:index")


@require_POST
@workspace_view
def switch_company(request: HttpRequest) -> HttpResponse:
    """Work on another of the user's companies; unknown or foreign ids are refused."""
    wanted = request.POST.get("company", "")
    options = {str(company.pk): company for company, _role, _all in workspaces_for(request.user)}  # type: ignore[arg-type]
    company = options.get(wanted)
    if company is None:
        messages.error(request, _("You do not belong to that company."))
    else:
        request.session[SESSION_KEY] = company.pk
        messages.success(request, _("You are now working on %(company)s.") % {"company": company.name})
    back = request.POST.get("next") or request.headers.get("Referer") or "/"
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        back = "/"
    return HttpResponseRedirect(back)
