"""Production: every secret from the environment, secure cookies, a refusal to start without a key."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

if not SECRET_KEY:
    raise ImproperlyConfigured("RELANCE_SECRET_KEY must be set in production (a long random string).")
DEBUG = False
SESSION_COOKIE_SECURE = env_bool("RELANCE_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
