"""Production: every secret from the environment, secure cookies, a refusal to start without a key."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

if not SECRET_KEY:
    raise ImproperlyConfigured("RELANCE_SECRET_KEY must be set in production (a long random string).")
DEBUG = False
SESSION_COOKIE_SECURE = env_bool("RELANCE_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
# Gunicorn and the like run several processes: the cache (sign-in throttling, the portal's
# counters) must be shared, or a limit of 5 attempts becomes 5 per process.
CACHES = {"default": cache_from_url(os.environ.get("RELANCE_CACHE_URL", f"file://{VAR_DIR / 'cache'}"))}
