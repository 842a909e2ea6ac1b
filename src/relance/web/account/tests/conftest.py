"""Fixtures of the account area: a clean throttle cache, and a user with two-factor authentication."""

from __future__ import annotations

import time

import pytest
from django.core.cache import cache

from relance.accounts import totp
from relance.accounts.models import TOTPDevice

PASSWORD = "x-very-long-password"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def with_totp():
    """with_totp(user) -> the secret of a confirmed authenticator whose last code used is long ago."""

    def enable(user) -> str:
        secret = totp.random_secret()
        TOTPDevice.objects.create(user=user, secret=secret, confirmed_at="2026-01-01T00:00:00Z")
        return secret

    return enable


def code_now(secret: str, offset_steps: int = 0) -> str:
    return totp.code_at(secret, time.time() + offset_steps * totp.STEP_SECONDS)
