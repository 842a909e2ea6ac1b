"""Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP), written out in full.

Pure functions, no database: the services in `accounts.services` keep the secret and the last step
used (so a code is never accepted twice). Parameters are the ones every authenticator app expects:
HMAC-SHA1, 6 digits, 30-second steps; a code of the step before or after the current one is
accepted to absorb clock drift and typing time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
from urllib.parse import quote, urlencode

STEP_SECONDS = 30
DIGITS = 6
SECRET_BYTES = 20  # 160 bits, the size RFC 4226 recommends for HMAC-SHA1


def random_secret() -> str:
    """A new shared secret, base32 without padding (what authenticator apps read)."""
    return base64.b32encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii").rstrip("=")


def secret_bytes(secret: str) -> bytes:
    cleaned = secret.replace(" ", "").upper()
    return base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))


def hotp(key: bytes, counter: int, *, digits: int = DIGITS, digest: str = "sha1") -> str:
    """RFC 4226: HMAC of the 8-byte counter, dynamic truncation, the last `digits` decimal digits."""
    mac = hmac.new(key, struct.pack(">Q", counter), digest).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def time_step(at: float) -> int:
    """The RFC 6238 counter for a Unix time: whole 30-second steps since the epoch."""
    return int(at // STEP_SECONDS)


def code_at(secret: str, at: float) -> str:
    """The code an authenticator app shows at Unix time `at`."""
    return hotp(secret_bytes(secret), time_step(at))


def matching_step(secret: str, code: str, *, at: float, window: int = 1) -> int | None:
    """The step whose code is `code` within ±`window` steps of `at`, or None.

    Every candidate is compared in constant time, and all are computed, so the time taken does not
    tell which step matched."""
    code = normalise_code(code)
    if len(code) != DIGITS or not code.isdigit():
        return None
    key = secret_bytes(secret)
    now = time_step(at)
    found: int | None = None
    for step in range(now - window, now + window + 1):
        if hmac.compare_digest(hotp(key, step), code) and found is None:
            found = step
    return found


def normalise_code(code: str) -> str:
    """What people type: spaces and dashes are ignored ("123 456")."""
    return "".join(ch for ch in code if ch not in " -\u00a0\t")


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    """The otpauth:// URI shown as a QR code (Google Authenticator's Key URI format)."""
    label = quote(f"{issuer}:{account}", safe="@:")
    query = urlencode(
        {"secret": secret, "issuer": issuer, "algorithm": "SHA1", "digits": DIGITS, "period": STEP_SECONDS}
    )
    return f"otpauth://totp/{label}?{query}"


def recovery_code() -> str:
    """A one-time recovery code: 16 base32 characters (80 bits) shown as XXXX-XXXX-XXXX-XXXX."""
    raw = base64.b32encode(secrets.token_bytes(10)).decode("ascii")
    return "-".join(raw[i : i + 4] for i in range(0, 16, 4))


def recovery_code_hash(code: str) -> str:
    """SHA-256 of the normalised code. The codes carry 80 random bits, so a fast hash is enough to
    keep them unreadable at rest (nothing to guess from a dictionary)."""
    cleaned = normalise_code(code).upper()
    return hashlib.sha256(cleaned.encode("ascii", "ignore")).hexdigest()
