"""Local development and the demo.

Debug on, a fixed development key, mail printed to the console unless a mail server is configured.
"""

import os

from .base import *  # noqa: F403

DEBUG = os.environ.get("RELANCE_DEBUG", "1") != "0"
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-do-not-use-in-production"
if "RELANCE_EMAIL_BACKEND" not in os.environ and "RELANCE_EMAIL_HOST" not in os.environ:
    MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
