"""Users of the workspace. Company membership and roles live beside the company (ledger.Membership)."""

from __future__ import annotations

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
