"""Field validators for identities a supplier prints on its documents (IBAN, BIC, VAT, codes)."""

from __future__ import annotations

import zoneinfo
from functools import cache

from babel import Locale
from django.core.exceptions import ValidationError
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import vatin
from stdnum.exceptions import ValidationError as StdnumError

from relance.core.money import is_known_currency


@cache
def _countries() -> frozenset[str]:
    return frozenset(code for code in Locale("en").territories if len(code) == 2 and code.isalpha())


def is_known_country(code: str) -> bool:
    return code in _countries()


def validate_country(value: str) -> None:
    if not is_known_country(value):
        raise ValidationError(f"{value!r} is not an ISO 3166 country code (e.g. FR, GB, DE).", code="country")


def validate_currency(value: str) -> None:
    if not is_known_currency(value):
        raise ValidationError(f"{value!r} is not an ISO 4217 currency code (e.g. EUR, GBP, USD).", code="currency")


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a time zone name (e.g. Europe/Paris).", code="timezone")


def validate_iban(value: str) -> None:
    try:
        IBAN(value)
    except SchwiftyException as exc:
        raise ValidationError(f"Invalid IBAN: {exc}", code="iban") from exc


def validate_bic(value: str) -> None:
    try:
        BIC(value)
    except SchwiftyException as exc:
        raise ValidationError(f"Invalid BIC: {exc}", code="bic") from exc


def validate_vat_id(value: str) -> None:
    try:
        vatin.validate(value)
    except StdnumError as exc:
        raise ValidationError(f"Invalid VAT number {value!r}: {exc}", code="vat") from exc


def compact_iban(value: str) -> str:
    return "".join(value.split()).upper()


LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_PIXELS = 4000
LOGO_TYPES = {"PNG": ("image/png", ".png"), "JPEG": ("image/jpeg", ".jpg")}


def logo_format(upload: object) -> str:
    """The format ("PNG" or "JPEG") of an uploaded logo, read from its bytes (never its name).

    ValidationError when the file is too large, not a PNG or JPEG image, or absurdly big in pixels
    (the PDFs draw it 45 x 16 mm)."""
    from PIL import Image, UnidentifiedImageError

    size = getattr(upload, "size", 0) or 0
    if size > LOGO_MAX_BYTES:
        raise ValidationError(
            f"The logo is {size // 1024} KB; the limit is {LOGO_MAX_BYTES // 1024} KB.", code="logo_size"
        )
    upload.seek(0)  # type: ignore[attr-defined]
    try:
        with Image.open(upload) as image:  # type: ignore[arg-type]
            found = image.format or ""
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ValidationError("The logo must be a PNG or JPEG image.", code="logo_type") from exc
    finally:
        upload.seek(0)  # type: ignore[attr-defined]
    if found not in LOGO_TYPES:
        raise ValidationError("The logo must be a PNG or JPEG image.", code="logo_type")
    if max(width, height) > LOGO_MAX_PIXELS:
        raise ValidationError(
            f"The logo is {width} x {height} pixels; at most {LOGO_MAX_PIXELS} pixels a side.", code="logo_pixels"
        )
    return found
