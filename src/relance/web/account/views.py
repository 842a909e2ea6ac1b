"""The profile page (one's own details, language, password, two-factor authentication, companies)
and the team page (an administrator's members of the current company).

Profile changes are personal: they touch only the signed-in user, never a company's data, so a
read-only member may change their own password or turn on two-factor authentication (the
`personal_view` decorator below). The team page is an administrator's (`workspace_view(admin=True)`),
and read-only members are refused any change there by the frame.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.views import redirect_to_login
from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from relance.accounts import services as account_services
from relance.accounts.models import Role, TOTPDevice, User
from relance.core.audit import Actor
from relance.core.errors import RelanceError
from relance.ledger.models import Customer, Membership
from relance.web.access import resolve_workspace, workspace_view
from relance.web.account import services
from relance.web.account.auth import set_language_cookie
from relance.web.account.forms import (
    CodeForm,
    ConfirmCodeForm,
    MemberAddForm,
    MemberInviteForm,
    MemberRoleForm,
    MemberSeesAllForm,
    PasswordChangeForm,
    ProfileForm,
    send_link_email,
)


def personal_view(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed in; `request.ws` is the current workspace for the layout (None without a company)."""

    @functools.wraps(func)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        request.ws = resolve_workspace(request)  # type: ignore[attr-defined]
        return func(request, *args, **kwargs)

    return wrapper


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- profile ------------------------------------------------------------------------------


def _profile_page(request: HttpRequest, status: int = 200, **forms: Any) -> HttpResponse:
    user = _user(request)
    device = TOTPDevice.objects.filter(user_id=user.pk).first()
    enrolment: dict[str, Any] | None = None
    if device is not None and device.confirmed_at is None:
        uri = account_services.totp_provisioning_uri(device=device)
        enrolment = {
            "qr": segno.make(uri, error="m").svg_data_uri(scale=4, border=2),
            "secret_groups": " ".join(device.secret[i : i + 4] for i in range(0, len(device.secret), 4)),
        }
    memberships = Membership.objects.filter(user_id=user.pk).select_related("company").order_by("company__name")
    context = {
        "section": "account",
        "profile_form": forms.get("profile_form") or ProfileForm(instance=user),
        "password_form": forms.get("password_form") or PasswordChangeForm(user),
        "confirm_form": forms.get("confirm_form") or ConfirmCodeForm(),
        "disable_form": forms.get("disable_form") or CodeForm(auto_id="disable_%s"),
        "regenerate_form": forms.get("regenerate_form") or CodeForm(auto_id="regenerate_%s"),
        "totp_on": device is not None and device.confirmed_at is not None,
        "totp_since": device.confirmed_at if device is not None else None,
        "enrolment": enrolment,
        "recovery_left": account_services.recovery_codes_left(user=user) if device else 0,
        "memberships": memberships,
        "superuser": user.is_superuser,
    }
    return render(request, "account/profile.html", context, status=status)


@never_cache
@personal_view
def profile(request: HttpRequest) -> HttpResponse:
    return _profile_page(request)


@require_POST
@personal_view
def profile_details(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ProfileForm(request.POST, instance=User.objects.get(pk=user.pk))
    if not form.is_valid():
        return _profile_page(request, status=400, profile_form=form)
    changed = account_services.profile_update(user=user, changes=form.cleaned_data, actor=Actor.for_user(user))
    response = redirect("account:profile")
    if "language" in changed:
        translation.activate(user.language)
        set_language_cookie(response, user.language)
    messages.success(request, _("Your details are saved.") if changed else _("Nothing changed."))
    return response


@require_POST
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@personal_view
def password_change(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PasswordChangeForm(user, request.POST)
    if not form.is_valid():
        return _profile_page(request, status=400, password_form=form)
    form.save()
    update_session_auth_hash(request, user)  # stay signed in here; other sessions end
    account_services.password_changed_record(user=user, actor=Actor.for_user(user), how="changed")
    messages.success(request, _("Your password is changed. Your other sessions are signed out."))
    return redirect("account:profile")


@require_POST
@personal_view
def totp_start(request: HttpRequest) -> HttpResponse:
    try:
        account_services.totp_enrolment_start(user=_user(request))
    except RelanceError as error:
        messages.error(request, error.message)
    return redirect(f"{_profile_url()}#two-factor")


@require_POST
@personal_view
def totp_cancel(request: HttpRequest) -> HttpResponse:
    account_services.totp_enrolment_cancel(user=_user(request))
    return redirect(f"{_profile_url()}#two-factor")


@require_POST
@never_cache
@sensitive_post_parameters("code")
@personal_view
def totp_confirm(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = ConfirmCodeForm(request.POST)
    if not form.is_valid():
        return _profile_page(request, status=400, confirm_form=form)
    try:
        codes = account_services.totp_enrolment_confirm(
            user=user, code=form.cleaned_data["code"], actor=Actor.for_user(user)
        )
    except RelanceError as error:
        form.add_error("code", error.message)
        return _profile_page(request, status=400, confirm_form=form)
    return _recovery_codes_page(request, codes, _("Two-factor authentication is on."))


@require_POST
@sensitive_post_parameters("code")
@personal_view
def totp_disable(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = CodeForm(request.POST, auto_id="disable_%s")
    if form.is_valid():
        try:
            account_services.totp_disable(user=user, code=form.cleaned_data["code"], actor=Actor.for_user(user))
        except RelanceError as error:
            form.add_error("code", error.message)
        else:
            messages.success(request, _("Two-factor authentication is off."))
            return redirect("account:profile")
    return _profile_page(request, status=400, disable_form=form)


@require_POST
@never_cache
@sensitive_post_parameters("code")
@personal_view
def recovery_codes_regenerate(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = CodeForm(request.POST, auto_id="regenerate_%s")
    if form.is_valid():
        try:
            codes = account_services.recovery_codes_regenerate(
                user=user, code=form.cleaned_data["code"], actor=Actor.for_user(user)
            )
        except RelanceError as error:
            form.add_error("code", error.message)
        else:
            return _recovery_codes_page(request, codes, _("Your new recovery codes"))
    return _profile_page(request, status=400, regenerate_form=form)


def _recovery_codes_page(request: HttpRequest, codes: list[str], heading: str) -> HttpResponse:
    """Shown once, in the answer to the POST (never stored readable, never in a redirect)."""
    response = render(
        request, "account/recovery_codes.html", {"codes": codes, "heading": heading, "section": "account"}
    )
    response["Cache-Control"] = "no-store"
    return response


def _profile_url() -> str:
    from django.urls import reverse

    return reverse("account:profile")


# --- team ---------------------------------------------------------------------------------


def _team_page(request: HttpRequest, status: int = 200, **forms: Any) -> HttpResponse:
    ws = request.ws  # type: ignore[attr-defined]
    assigned = (
        Customer.objects.filter(company_id=ws.company.pk, collector_id=OuterRef("user_id"))
        .order_by()
        .values("collector_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    members = services.members_of(company=ws.company).annotate(
        has_totp=Exists(TOTPDevice.objects.filter(user_id=OuterRef("user_id"), confirmed_at__isnull=False)),
        customers_assigned=Coalesce(Subquery(assigned, output_field=IntegerField()), 0),
    )
    rows: list[dict[str, Any]] = [
        {"m": m, "role_form": MemberRoleForm(initial={"role": m.role}, auto_id=f"role-{m.pk}-%s")} for m in members
    ]
    context = {
        "section": "account",
        "rows": rows,
        "admins": sum(1 for r in rows if r["m"].role == Role.ADMINISTRATOR),
        "add_form": forms.get("add_form") or MemberAddForm(auto_id="add_%s"),
        "invite_form": forms.get("invite_form")
        or MemberInviteForm(
            auto_id="invite_%s",
            initial={"language": ws.company.language if ws.company.language in ("en", "fr") else "en"},
        ),
    }
    return render(request, "account/team.html", context, status=status)


@workspace_view(admin=True)
def team(request: HttpRequest) -> HttpResponse:
    return _team_page(request)


@require_POST
@workspace_view(admin=True)
def team_add(request: HttpRequest) -> HttpResponse:
    ws = request.ws  # type: ignore[attr-defined]
    form = MemberAddForm(request.POST, auto_id="add_%s")
    if form.is_valid():
        user = services.user_find(identifier=form.cleaned_data["identifier"])
        if user is None:
            form.add_error(
                "identifier",
                _("No user has this username or e-mail. Invite them as a new user below."),
            )
        else:
            try:
                services.membership_add(
                    company=ws.company,
                    user=user,
                    role=form.cleaned_data["role"],
                    sees_all_customers=form.cleaned_data["sees_all_customers"],
                    actor=ws.actor,
                )
            except RelanceError as error:
                form.add_error("identifier", error.message)
            else:
                messages.success(request, _("%(user)s is now a member.") % {"user": user})
                return redirect("account:team")
    return _team_page(request, status=400, add_form=form)


@require_POST
@workspace_view(admin=True)
def team_invite(request: HttpRequest) -> HttpResponse:
    ws = request.ws  # type: ignore[attr-defined]
    form = MemberInviteForm(request.POST, auto_id="invite_%s")
    if form.is_valid():
        data = form.cleaned_data
        try:
            membership = services.user_invite(
                company=ws.company,
                username=data["username"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                language=data["language"],
                role=data["role"],
                sees_all_customers=data["sees_all_customers"],
                actor=ws.actor,
            )
        except RelanceError as error:
            form.add_error(None, error.message)
        else:
            try:
                send_link_email(
                    user=membership.user,
                    subject_template="account/email/invitation_subject.txt",
                    body_template="account/email/invitation_body.txt",
                    extra={"inviter": ws.user, "company": ws.company, "role": Role(membership.role).label},
                )
            except OSError:  # SMTP refused or unreachable: the user exists, the link can be asked again
                messages.warning(
                    request,
                    _(
                        "%(user)s is added, but the e-mail could not be sent. They can use "
                        "“Forgotten password?” on the sign-in page to choose a password."
                    )
                    % {"user": membership.user},
                )
            else:
                messages.success(
                    request,
                    _("%(user)s is added; an e-mail invites them to choose a password.") % {"user": membership.user},
                )
            return redirect("account:team")
    return _team_page(request, status=400, invite_form=form)


@require_POST
@workspace_view(admin=True)
def team_role(request: HttpRequest, pk: int) -> HttpResponse:
    ws = request.ws  # type: ignore[attr-defined]
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a role from the list."))
        return redirect("account:team")
    try:
        membership = services.membership_role_change(
            company=ws.company, pk=_existing(ws, pk), role=form.cleaned_data["role"], actor=ws.actor
        )
    except RelanceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(user)s is now %(role)s.") % {"user": membership.user, "role": Role(membership.role).label},
        )
    return redirect("account:team")


@require_POST
@workspace_view(admin=True)
def team_sees_all(request: HttpRequest, pk: int) -> HttpResponse:
    ws = request.ws  # type: ignore[attr-defined]
    form = MemberSeesAllForm(request.POST)
    form.is_valid()
    wanted = bool(form.cleaned_data.get("sees_all_customers"))
    membership = services.membership_sees_all_set(
        company=ws.company, pk=_existing(ws, pk), sees_all_customers=wanted, actor=ws.actor
    )
    if wanted:
        messages.success(request, _("%(user)s now sees all customers.") % {"user": membership.user})
    else:
        messages.success(request, _("%(user)s now sees only their own customers.") % {"user": membership.user})
    return redirect("account:team")


@require_POST
@workspace_view(admin=True)
def team_remove(request: HttpRequest, pk: int) -> HttpResponse:
    ws = request.ws  # type: ignore[attr-defined]
    try:
        user = services.membership_remove(company=ws.company, pk=_existing(ws, pk), actor=ws.actor)
    except RelanceError as error:
        messages.error(request, error.message)
        return redirect("account:team")
    messages.success(
        request, _("%(user)s is no longer a member of %(company)s.") % {"user": user, "company": ws.company.name}
    )
    assigned = Customer.objects.filter(company_id=ws.company.pk, collector_id=user.pk).count()
    if assigned:
        messages.warning(
            request,
            ngettext(
                "%(count)d customer is still assigned to %(user)s: give it to another collector.",
                "%(count)d customers are still assigned to %(user)s: give them to another collector.",
                assigned,
            )
            % {"count": assigned, "user": user},
        )
    if user.pk == ws.user.pk:
        return redirect("web:home")
    return redirect("account:team")


def _existing(ws: Any, pk: int) -> int:
    """The membership's id if it belongs to the current company, else 404 (never another company's)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(Membership.objects.filter(company_id=ws.company.pk), pk=pk).pk
