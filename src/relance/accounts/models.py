"""Users of the workspace. Company membership and roles live beside the company (ledger.Membership)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    ADMINISTRATOR = "administrator", "Administrator"
    CREDIT_MANAGER = "credit_manager", "Credit manager"
    COLLECTOR = "collector", "Collector"
    READ_ONLY = "read_only", "Read-only"


class User(AbstractUser):
    """A person who logs in. Phone and language are shown on reminders when the user is a collector."""

    phone = models.CharField(max_length=40, blank=True)
    language = models.CharField(max_length=8, default="en", choices=[("en", "English"), ("fr", "Français")])

    def __str__(self) -> str:
        return self.get_full_name() or self.username
