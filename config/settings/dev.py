"""Local development and the demo: debug on, a fixed development key, mail printed to the console."""

import os

from .base import *  # noqa: F403

DEBUG = os.environ.get("RELANCE_DEBUG", "1") != "0"
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production"  # noqa: F405
EMAIL_BACKEND = os.environ.get("RELANCE_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
