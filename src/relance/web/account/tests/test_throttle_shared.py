"""Sign-in throttling counts across server processes in production: the cache is shared.

Gunicorn runs several processes; with a per-process cache a limit of 5 attempts would become 5
per process. Production's default cache is a file cache under the var directory
(`RELANCE_CACHE_URL` chooses another: Redis, the database)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.settings.base import cache_from_url

ROOT = Path(__file__).resolve().parents[5]

SCRIPT = """
import sys, django
django.setup()
from relance.web.account import throttle
for _ in range(int(sys.argv[1])):
    throttle.failure("ada", "192.0.2.7")
print(throttle.blocked_for("ada", "192.0.2.7"))
"""


def _process(tmp_path: Path, failures: int, **env: str) -> int:
    inherited = {k: v for k, v in os.environ.items() if k != "RELANCE_CACHE_URL"}  # production's default
    environment = {
        **inherited,
        "DJANGO_SETTINGS_MODULE": "config.settings.prod",
        "RELANCE_SECRET_KEY": "a-long-random-string-for-this-test-only-0123456789",
        "RELANCE_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        **env,
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(failures)], cwd=ROOT, env=environment, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    return int(done.stdout.strip().splitlines()[-1])


def test_failures_in_two_production_processes_add_up_to_the_lockout(tmp_path):
    assert _process(tmp_path, 3) == 0  # one process: 3 failures, under the limit of 5
    assert _process(tmp_path, 2) > 0  # another process: 2 more, and the name is locked out
    assert _process(tmp_path, 0) > 0  # and a third process sees the lock
    assert (tmp_path / "cache").is_dir()


def test_a_per_process_cache_is_what_production_avoids(tmp_path):
    """The same sequence with the local-memory cache: each process counts alone, nobody is locked."""
    local = {"RELANCE_CACHE_URL": "locmem://"}
    assert _process(tmp_path, 3, **local) == 0
    assert _process(tmp_path, 2, **local) == 0


def test_cache_urls():
    assert cache_from_url("locmem://")["BACKEND"].endswith("LocMemCache")
    assert cache_from_url("file:///var/lib/relance/cache") == {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": "/var/lib/relance/cache",
        "OPTIONS": {"MAX_ENTRIES": 20000},
    }
    assert cache_from_url("redis://cache.internal:6379/1")["LOCATION"] == "redis://cache.internal:6379/1"
    assert cache_from_url("db://relance_cache")["LOCATION"] == "relance_cache"
    for wrong in ("memcached://x", "file://relative/path", "db://drop table", "redis://"):
        with pytest.raises(ImproperlyConfigured, match="RELANCE_CACHE_URL"):
            cache_from_url(wrong)
