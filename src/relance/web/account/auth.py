"""Signing in (password, then the authenticator code when the user has one), the language of the
sign-in page, and the password reset by e-mail.

A user with two-factor authentication is NOT signed in after the password: the session only holds
a pending sign-in (user id, the password's session hash, the time) for five minutes, and
`django.contrib.auth.login` runs once the code is right. Failures of either step count in the same
throttle (per username and address, see `throttle`).
"""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from relance.accounts import services as account_services
from relance.accounts.models import User
from relance.core.audit import Actor
from relance.web.account import throttle
from relance.web.account.forms import LANGUAGES, CodeForm, LoginForm, PasswordResetForm, SetPasswordForm

PENDING_KEY = "relance_login_pending"
PENDING_SECONDS = 5 * 60


def safe_next(request: HttpRequest, value: str | None) -> str:
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def set_language_cookie(response: HttpResponse, language: str) -> HttpResponse:
    if language in dict(LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


def _wait_message(seconds: int) -> str:
    minutes = max(1, (seconds + 59) // 60)
    return ngettext(
        "Too many failed attempts. Try again in %(minutes)d minute.",
        "Too many failed attempts. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


def _complete_login(request: HttpRequest, user: User, backend: str, next_url: str, second_factor: str) -> HttpResponse:
    request.session.pop(PENDING_KEY, None)
    login(request, user, backend=backend)
    ip = throttle.client_ip(request)
    throttle.success(user.get_username(), ip)
    account_services.login_record(user=user, ip=ip, second_factor=second_factor)
    translation.activate(user.language)
    return set_language_cookie(HttpResponseRedirect(next_url), user.language)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if request.method == "GET" and request.user.is_authenticated:
        return redirect(next_url)
    form = LoginForm(request, data=request.POST if request.method == "POST" else None)
    status = 200
    wait_message = ""
    if request.method == "POST":
        username = request.POST.get("username", "")[:150]
        ip = throttle.client_ip(request)
        wait = throttle.blocked_for(username, ip)
        if wait:
            account_services.login_failure_record(username=username, ip=ip, reason="throttled")
            wait_message, status = _wait_message(wait), 429
        elif form.is_valid():
            user = form.get_user()
            backend = getattr(user, "backend", None) or settings.AUTHENTICATION_BACKENDS[0]
            if not account_services.totp_enabled(user=user):
                return _complete_login(request, user, backend, next_url, second_factor="")
            request.session.cycle_key()
            request.session[PENDING_KEY] = {
                "user": user.pk,
                "backend": backend,
                "hash": user.get_session_auth_hash(),
                "at": time.time(),
                "next": next_url,
            }
            return redirect("account:login_code")
        else:
            throttle.failure(username, ip)
            account_services.login_failure_record(username=username, ip=ip, reason="bad_credentials")
    return render(
        request,
        "account/login.html",
        {"form": form, "next": next_url, "wait_message": wait_message, "languages": LANGUAGES},
        status=status,
    )


def _pending_user(request: HttpRequest) -> tuple[User, dict[str, Any]] | None:
    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict) or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        return None
    if not isinstance(pending.get("user"), int):
        return None
    user = get_user_model()._default_manager.filter(pk=pending["user"], is_active=True).first()
    if user is None or user.get_session_auth_hash() != pending.get("hash"):
        return None  # deactivated, or the password changed since
    return user, pending  # type: ignore[return-value]


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def login_code_view(request: HttpRequest) -> HttpResponse:
    """The second step: the authenticator code (or a recovery code) of the user who gave the password."""
    found = _pending_user(request)
    if found is None:
        request.session.pop(PENDING_KEY, None)
        messages.info(request, _("Your sign-in expired. Please sign in again."))
        return redirect("web:login")
    user, pending = found
    form = CodeForm(request.POST if request.method == "POST" else None)
    status, wait_message = 200, ""
    if request.method == "POST":
        ip = throttle.client_ip(request)
        wait = throttle.blocked_for(user.get_username(), ip)
        if wait:
            request.session.pop(PENDING_KEY, None)
            account_services.login_failure_record(username=user.get_username(), ip=ip, reason="throttled")
            messages.error(request, _wait_message(wait))
            return redirect("web:login")
        if form.is_valid():
            method = account_services.second_factor_verify(user=user, code=form.cleaned_data["code"])
            if method is not None:
                response = _complete_login(
                    request, user, pending["backend"], safe_next(request, pending.get("next")), second_factor=method
                )
                if method == "recovery_code":
                    left = account_services.recovery_codes_left(user=user)
                    messages.warning(
                        request,
                        ngettext(
                            "You used a recovery code; %(count)d is left. Make new ones on your profile page.",
                            "You used a recovery code; %(count)d are left. Make new ones on your profile page.",
                            left,
                        )
                        % {"count": left},
                    )
                return response
            throttle.failure(user.get_username(), ip)
            account_services.login_failure_record(username=user.get_username(), ip=ip, reason="bad_code")
            form.add_error("code", _("That code is not right, or it was already used. Wait for the next one."))
    return render(request, "account/login_code.html", {"form": form, "wait_message": wait_message}, status=status)


@require_POST
@csrf_protect
def language_view(request: HttpRequest) -> HttpResponse:
    """The sign-in and reset pages' language switch (signed-in users choose theirs on the profile)."""
    language = request.POST.get("language", "")
    response = HttpResponseRedirect(safe_next(request, request.POST.get("next")))
    return set_language_cookie(response, language)


def record_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """`user_logged_out` receiver: the sign-out view is the frame's (web:logout)."""
    if user is not None and getattr(user, "pk", None):
        account_services.logout_record(user=user, ip=throttle.client_ip(request) if request else "")


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "account/password_reset.html"
    form_class = PasswordResetForm
    success_url = reverse_lazy("account:password_reset_done")

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:  # type: ignore[override]
        # Always the same answer (no way to learn which addresses have an account); past the limits
        # the e-mail is silently not sent, so the form cannot be used to flood a mailbox.
        ip = throttle.client_ip(self.request)
        email = form.cleaned_data["email"]
        if throttle.over_limit("reset-ip", ip, limit=10, window=3600) or throttle.over_limit(
            "reset-email", email, limit=3, window=3600
        ):
            return HttpResponseRedirect(self.get_success_url())
        form.save()
        return HttpResponseRedirect(self.get_success_url())


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "account/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "account/password_reset_confirm.html"
    form_class = SetPasswordForm
    success_url = reverse_lazy("account:password_reset_complete")

    def form_valid(self, form: SetPasswordForm) -> HttpResponse:  # type: ignore[override]
        response = super().form_valid(form)
        user = form.user
        account_services.password_changed_record(user=user, actor=Actor.for_user(user), how="reset")  # type: ignore[arg-type]
        throttle.success(user.get_username(), throttle.client_ip(self.request))
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "account/password_reset_complete.html"
