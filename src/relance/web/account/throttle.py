"""Slowing down password and code guessing, in Django's cache.

Failures are counted per (username, IP address) and, more loosely, per IP address alone (one
address trying many names). Past the limit, sign-in from there is refused for a while without even
checking the password, and the message says only that there were too many attempts: never whether
the name or the password was wrong.

The cache is the project's default (`RELANCE_CACHE_URL`): production's is a file cache shared by
the server's processes; with a local-memory cache each process would count on its own (a limit of
5 becoming 5 per process). The IP
address is REMOTE_ADDR: behind a reverse proxy, the proxy must set it (see docs/workspace/account.md).
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_failures() -> int:
    return _setting("RELANCE_LOGIN_MAX_FAILURES", 5)


def max_failures_per_ip() -> int:
    return _setting("RELANCE_LOGIN_MAX_FAILURES_PER_IP", 50)


def window_seconds() -> int:
    return _setting("RELANCE_LOGIN_WINDOW_SECONDS", 15 * 60)


def lockout_seconds() -> int:
    return _setting("RELANCE_LOGIN_LOCKOUT_SECONDS", 15 * 60)


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _key(kind: str, *parts: str) -> str:
    digest = hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:40]
    return f"relance:login:{kind}:{digest}"


def _keys(username: str, ip: str) -> list[tuple[str, str, int]]:
    """(count key, lock key, limit) for the name at this address and for the address alone."""
    name = username.strip().casefold()
    return [
        (_key("n", name, ip), _key("lock-n", name, ip), max_failures()),
        (_key("ip", ip), _key("lock-ip", ip), max_failures_per_ip()),
    ]


def blocked_for(username: str, ip: str) -> int:
    """Seconds left before this name may try again from this address (0: it may try now)."""
    now = time.time()
    waits = [int(until - now) + 1 for _c, lock, _l in _keys(username, ip) if (until := cache.get(lock)) and until > now]
    return max(waits, default=0)


def failure(username: str, ip: str) -> None:
    for count_key, lock_key, limit in _keys(username, ip):
        cache.add(count_key, 0, timeout=window_seconds())
        try:
            count = cache.incr(count_key)
        except ValueError:  # expired between add and incr
            cache.set(count_key, 1, timeout=window_seconds())
            count = 1
        if count >= limit:
            cache.set(lock_key, time.time() + lockout_seconds(), timeout=lockout_seconds())
            cache.delete(count_key)


def success(username: str, ip: str) -> None:
    """A right password (and code): this name starts afresh from this address."""
    count_key, lock_key, _limit = _keys(username, ip)[0]
    cache.delete_many([count_key, lock_key])


def over_limit(kind: str, value: str, *, limit: int, window: int) -> bool:
    """Count one more request of `kind` for `value` and say whether it is past `limit` in `window`
    seconds (password-reset e-mails per address and per visitor)."""
    key = _key(kind, value.strip().casefold())
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit
