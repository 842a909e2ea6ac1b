"""Settings shared by every environment.

Everything an administrator may change comes from environment variables (see README,
"Configuration"); nothing secret is written here.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("RELANCE_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("RELANCE_SECRET_KEY", "")
DEBUG = env_bool("RELANCE_DEBUG", False)
ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("RELANCE_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks_db",
    "anymail",
    "relance.core",
    "relance.accounts",
    "relance.ledger",
    "relance.finance",
    "relance.documents",
    "relance.messaging",
    "relance.collection",
    "relance.payments",
    "relance.portal",
    "relance.web",
    "relance.web.account",
    "relance.web.agenda",
    "relance.web.customers",
    "relance.web.dashboard",
    "relance.web.editors",
    "relance.web.company_settings",
    "relance.web.imports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"


def database_from_url(url: str) -> dict[str, object]:
    """A DATABASES entry from a URL; SQLite gets WAL and immediate transactions."""
    config: dict[str, object] = dict(
        dj_database_url.parse(url, conn_max_age=int(os.environ.get("RELANCE_CONN_MAX_AGE", "0")))
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        if config["NAME"] != ":memory:":
            Path(str(config["NAME"])).parent.mkdir(parents=True, exist_ok=True)
        config["OPTIONS"] = {
            # WAL lets the web server read while the daily run or an import writes;
            # IMMEDIATE avoids "database is locked" upgrades in the middle of a transaction.
            # A 64 MB page cache (the default is 2 MB) keeps the indexes of a million invoices in memory.
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;"
            ),
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    return config


def cache_from_url(url: str) -> dict[str, object]:
    """A CACHES entry from a URL (`RELANCE_CACHE_URL`). The cache holds sign-in throttling and the
    portal's counters: several server processes must share it, or each counts on its own.

    locmem://                     this process only (development, tests)
    file:///var/lib/relance/cache one machine, any number of processes (production's default)
    redis://host:6379/0           several machines (Django's Redis cache; `pip install redis`)
    db://relance_cache            the database (`relance manage createcachetable` once)
    """
    scheme, _, rest = url.partition("://")
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": rest or "relance"}
    if scheme == "file" and rest.startswith("/"):
        # Django's default of 300 entries would cull throttling locks under a guessing attack.
        return {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": rest,
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    if scheme in ("redis", "rediss") and rest:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    if scheme == "db" and rest.isidentifier():
        return {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": rest}
    raise ImproperlyConfigured(
        f"RELANCE_CACHE_URL={url!r} is not understood: use locmem://, file:///an/absolute/path, "
        "redis://host:port/db or db://table_name"
    )


CACHES = {"default": cache_from_url(os.environ.get("RELANCE_CACHE_URL", "locmem://"))}

DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'relance.sqlite3'}")
DATABASES = {"default": database_from_url(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background work: Django's task API with a database queue (`relance worker` runs it).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Argon2 first (new and re-hashed passwords); the others only verify older hashes.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "Français")]
LOCALE_PATHS = [BASE_DIR / "src" / "relance" / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
# Reference rates added on this site (`relance rates add`), kept apart from the shipped tables.
RELANCE_RATES_DIR = Path(os.environ.get("RELANCE_RATES_DIR", VAR_DIR / "rates"))

# PDF fonts: ReportLab's built-in Helvetica unless TrueType files are given (full Unicode).
if os.environ.get("RELANCE_PDF_FONT_REGULAR"):
    RELANCE_PDF_FONTS = {
        "regular": os.environ["RELANCE_PDF_FONT_REGULAR"],
        "bold": os.environ.get("RELANCE_PDF_FONT_BOLD", os.environ["RELANCE_PDF_FONT_REGULAR"]),
    }

MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("RELANCE_MEDIA_ROOT", VAR_DIR / "media"))


# Django 6.1 configures outgoing mail with MAILERS (the EMAIL_* settings are deprecated).
def smtp_mailer() -> dict[str, object]:
    backend = os.environ.get("RELANCE_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
    if not backend.endswith("smtp.EmailBackend"):
        return {"BACKEND": backend}
    return {
        "BACKEND": backend,
        "OPTIONS": {
            "host": os.environ.get("RELANCE_EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("RELANCE_EMAIL_PORT", "25")),
            "username": os.environ.get("RELANCE_EMAIL_USER", ""),
            "password": os.environ.get("RELANCE_EMAIL_PASSWORD", ""),
            "use_tls": env_bool("RELANCE_EMAIL_USE_TLS", False),
            "use_ssl": env_bool("RELANCE_EMAIL_USE_SSL", False),
            "timeout": 30,
        },
    }


MAILERS = {"default": smtp_mailer()}
# E-mail services through django-anymail (RELANCE_EMAIL_BACKEND=anymail.backends.postmark.EmailBackend...):
# every RELANCE_ANYMAIL_<NAME> variable becomes ANYMAIL["<NAME>"], e.g. RELANCE_ANYMAIL_POSTMARK_SERVER_TOKEN,
# RELANCE_ANYMAIL_MAILGUN_API_KEY, and RELANCE_ANYMAIL_WEBHOOK_SECRET ("user:password", the basic auth
# of the delivery webhooks under /anymail/). See docs/sending.md.
ANYMAIL = {
    name.removeprefix("RELANCE_ANYMAIL_"): value
    for name, value in os.environ.items()
    if name.startswith("RELANCE_ANYMAIL_")
}
# The outbox (docs/sending.md): how long a claimed message belongs to a worker of another host,
# the waits between attempts after a transient error (minutes), and the attempts before giving up.
RELANCE_OUTBOX_LEASE_SECONDS = int(os.environ.get("RELANCE_OUTBOX_LEASE_SECONDS", "600"))
RELANCE_OUTBOX_BACKOFF_MINUTES = [
    float(m) for m in os.environ.get("RELANCE_OUTBOX_BACKOFF_MINUTES", "1,5,15,60,240").split(",") if m.strip()
]
RELANCE_OUTBOX_MAX_ATTEMPTS = int(os.environ.get("RELANCE_OUTBOX_MAX_ATTEMPTS", "6"))
DEFAULT_FROM_EMAIL = os.environ.get("RELANCE_DEFAULT_FROM_EMAIL", "relance@localhost")
RELANCE_BASE_URL = os.environ.get("RELANCE_BASE_URL", "http://127.0.0.1:8000")  # links in e-mails
# Online payment (docs/payments.md): the providers offered on the customer's page, in this order
# (a provider shows only where it can work: SEPA needs the company's IBAN and euros, Stripe its key).
RELANCE_PAYMENT_PROVIDERS = [
    p.strip() for p in os.environ.get("RELANCE_PAYMENT_PROVIDERS", "sepa_transfer,stripe").split(",") if p.strip()
]
RELANCE_STRIPE_SECRET_KEY = os.environ.get("RELANCE_STRIPE_SECRET_KEY", "")
RELANCE_STRIPE_WEBHOOK_SECRET = os.environ.get("RELANCE_STRIPE_WEBHOOK_SECRET", "")
RELANCE_STRIPE_API_BASE = os.environ.get("RELANCE_STRIPE_API_BASE", "https://api.stripe.com")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("RELANCE_LOG_LEVEL", "WARNING")},
}
