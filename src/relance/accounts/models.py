"""Users of the workspace. Company membership and roles live beside the company (ledger.Membership)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", _("Administrator")
    CREDIT_MANAGER = "credit_manager", _("Credit manager")
    COLLECTOR = "collector", _("Collector")
    READ_ONLY = "read_only", _("Read-only")


class User(AbstractUser):
    """A person who logs in. Phone and language are shown on reminders when the user is a collector."""

    phone = models.CharField(max_length=40, blank=True)
    language = models.CharField(max_length=8, default="en", choices=[("en", _("English")), ("fr", _("French"))])

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class TOTPDevice(models.Model):
    """A user's authenticator app (RFC 6238). Pending until the user types a first right code.

    `last_used_step` is the 30-second step of the last code accepted: a code of that step or an
    earlier one is refused, so an overheard code cannot be replayed."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="totp_device")
    secret = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    last_used_step = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("authenticator app")
        verbose_name_plural = _("authenticator apps")

    def __str__(self) -> str:
        return f"{self.user} ({'confirmed' if self.confirmed_at else 'pending'})"

    def __repr__(self) -> str:  # never the secret
        return f"<TOTPDevice user={self.user_id} confirmed={self.confirmed_at is not None}>"


class RecoveryCode(models.Model):
    """A one-time code that replaces the authenticator app once; only its SHA-256 is kept."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        indexes = [models.Index(fields=["user", "code_hash"])]

    def __str__(self) -> str:
        return f"{self.user} ({'used' if self.used_at else 'unused'})"
