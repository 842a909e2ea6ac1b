"""Test settings: fast hashing, in-memory mail, SQLite unless RELANCE_TEST_DATABASE_URL says otherwise."""

import os

from .base import *  # noqa: F403
from .base import cache_from_url, database_from_url

SECRET_KEY = "test-only-key"  # noqa: S105 - not a secret, tests only
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Never DATABASE_URL: a developer's production database must not receive test tables.
DATABASES = {"default": database_from_url(os.environ.get("RELANCE_TEST_DATABASE_URL", "sqlite:///:memory:"))}
MEDIA_ROOT = VAR_DIR / "test-media"
CACHES = {"default": cache_from_url("locmem://")}  # never a shared cache: parallel tests would see each other
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
RELANCE_RATES_DIR = VAR_DIR / "test-rates"  # never a developer's own added rates
