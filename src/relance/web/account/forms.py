"""Forms of the account area: sign-in, second factor, profile, password reset, team."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMultiAlternatives
from django.template import loader
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from relance.accounts.models import Role, User

LANGUAGES = [("en", "English"), ("fr", "Français")]


class LoginForm(auth_forms.AuthenticationForm):
    """Django's sign-in form with one message for every refusal (never which half was wrong)."""

    error_messages = {
        "invalid_login": _("Wrong username or password."),
        "inactive": _("Wrong username or password."),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["password"].label = _("Password")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6-digit code of your authenticator app, or one of your recovery codes."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false", "size": 22}
        ),
    )


class ConfirmCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code shown by the app"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "size": 10}),
    )


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["first_name", "last_name", "email", "phone", "language"]
        labels = {
            "first_name": _("First name"),
            "last_name": _("Last name"),
            "email": _("E-mail"),
            "phone": _("Phone"),
            "language": _("Language"),
        }
        help_texts = {
            "phone": _("Shown to customers in the reminders you sign."),
            "language": _("The workspace and the e-mails you receive are in this language."),
        }
        widgets = {"language": forms.Select(choices=LANGUAGES)}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True
        self.fields["language"].choices = LANGUAGES  # type: ignore[attr-defined]

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if User.objects.filter(email__iexact=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Another user already has this e-mail address."))
        return email


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["old_password"].label = _("Current password")
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password2"].label = _("New password again")


class SetPasswordForm(auth_forms.SetPasswordForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["new_password1"].label = _("New password")
        self.fields["new_password2"].label = _("New password again")


def send_link_email(
    *, user: User, subject_template: str, body_template: str, extra: dict[str, Any] | None = None
) -> None:
    """An e-mail with a link to choose a password, in the user's own language.

    Links start with RELANCE_BASE_URL (never the request's Host header, which a visitor controls)."""
    path = reverse(
        "account:password_reset_confirm",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    context = {
        "user": user,
        "link": settings.RELANCE_BASE_URL.rstrip("/") + path,
        "valid_days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        **(extra or {}),
    }
    with translation.override(user.language or settings.LANGUAGE_CODE):
        subject = "".join(loader.render_to_string(subject_template, context).splitlines())
        body = loader.render_to_string(body_template, context)
    EmailMultiAlternatives(subject, body, None, [user.email]).send()


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's reset form, with the e-mail in the user's language and users invited without a password
    included (they may have lost their invitation)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("E-mail")

    def get_users(self, email: str) -> Any:
        return (
            user
            for user in User.objects.filter(email__iexact=email, is_active=True)
            if user.email.casefold() == email.casefold()
        )

    def save(self, **kwargs: Any) -> None:  # type: ignore[override]
        for user in self.get_users(self.cleaned_data["email"]):
            send_link_email(
                user=user,
                subject_template="account/email/password_reset_subject.txt",
                body_template="account/email/password_reset_body.txt",
            )


ROLE_CHOICES = [(r.value, r.label) for r in Role]


SEES_ALL_HELP = _("For collectors: without it they see only the customers assigned to them.")


class MemberAddForm(forms.Form):
    identifier = forms.CharField(label=_("Username or e-mail"), max_length=254)
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, initial=Role.COLLECTOR)
    sees_all_customers = forms.BooleanField(label=_("Sees all customers"), required=False, help_text=SEES_ALL_HELP)


class MemberInviteForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    email = forms.EmailField(label=_("E-mail"))
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        required=False,
        help_text=_("Leave empty to use the e-mail address."),
        validators=[User.username_validator],
    )
    language = forms.ChoiceField(label=_("Language"), choices=LANGUAGES)
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES, initial=Role.COLLECTOR)
    sees_all_customers = forms.BooleanField(label=_("Sees all customers"), required=False, help_text=SEES_ALL_HELP)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("username") and data.get("email"):
            data["username"] = data["email"][:150]
        return data


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)


class MemberSeesAllForm(forms.Form):
    sees_all_customers = forms.BooleanField(required=False)
