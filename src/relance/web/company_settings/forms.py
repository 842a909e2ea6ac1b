"""The settings page's forms, one per section. They validate and translate; saving is the services'.

Each form's `values()` returns what the section's service takes (model field -> value)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from functools import cache
from typing import Any

from babel import Locale
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import vatin
from stdnum.exceptions import ValidationError as StdnumError

from relance.core.money import MoneyError, currency_exponent, known_currencies, to_minor
from relance.ledger.models.company import LANGUAGES, PENALTY_RULES
from relance.ledger.validators import LOGO_MAX_BYTES, is_known_country, logo_format
from relance.messaging.models import InvoicePdfMode

MB = 1024 * 1024


def _locale() -> Locale:
    try:
        return Locale.parse((get_language() or "en").replace("-", "_"))
    except (ValueError, TypeError):
        return Locale("en")


def country_choices() -> list[tuple[str, str]]:
    names = _locale().territories
    return sorted(
        ((code, f"{names.get(code, code)} ({code})") for code in names if len(code) == 2 and is_known_country(code)),
        key=lambda pair: pair[1],
    )


@cache
def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones()) if "/" in name or name == "UTC"]


def currency_choices() -> list[tuple[str, str]]:
    names = _locale().currencies
    return [(code, f"{code} · {names.get(code, code)}") for code in sorted(known_currencies())]


class IdentityForm(forms.Form):
    name = forms.CharField(label=_("Trading name"), max_length=200)
    legal_name = forms.CharField(label=_("Legal name"), max_length=200, required=False)
    legal_id = forms.CharField(
        label=_("Registration number"), max_length=50, required=False, help_text=_("SIREN/SIRET, company number...")
    )
    vat_id = forms.CharField(label=_("VAT number"), max_length=30, required=False, help_text=_("e.g. FR40303265045"))
    address_line1 = forms.CharField(label=_("Address"), max_length=200, required=False)
    address_line2 = forms.CharField(label=_("Address (line 2)"), max_length=200, required=False)
    postal_code = forms.CharField(label=_("Postal code"), max_length=20, required=False)
    city = forms.CharField(label=_("City"), max_length=100, required=False)
    country = forms.ChoiceField(label=_("Country"))
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    language = forms.ChoiceField(
        label=_("Language"), choices=LANGUAGES, help_text=_("Of documents and e-mails by default.")
    )
    timezone = forms.ChoiceField(label=_("Time zone"), help_text=_("Decides the business day and the run time."))
    currency = forms.ChoiceField(label=_("Currency"))
    default_payment_terms_days = forms.IntegerField(
        label=_("Default payment terms (days)"), min_value=0, max_value=365,
        help_text=_("Due date = issue date + these days when an imported invoice has no due date."),
    )  # fmt: skip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["country"].choices = country_choices()  # type: ignore[attr-defined]
        self.fields["timezone"].choices = timezone_choices()  # type: ignore[attr-defined]
        self.fields["currency"].choices = currency_choices()  # type: ignore[attr-defined]

    def clean_vat_id(self) -> str:
        value = "".join(self.cleaned_data["vat_id"].split()).upper()
        if value:
            try:
                vatin.validate(value)
            except StdnumError as exc:
                raise ValidationError(
                    _("%(value)s is not a valid VAT number (%(reason)s)."), params={"value": value, "reason": exc}
                ) from exc
        return value

    def values(self) -> dict[str, object]:
        return dict(self.cleaned_data)


class BankForm(forms.Form):
    iban = forms.CharField(label=_("IBAN"), max_length=42, required=False, help_text=_("Spaces are ignored."))
    bic = forms.CharField(label=_("BIC"), max_length=14, required=False)

    def clean_iban(self) -> str:
        value = "".join(self.cleaned_data["iban"].split()).upper()
        if value:
            try:
                IBAN(value)
            except SchwiftyException as exc:
                raise ValidationError(
                    _("%(value)s is not a valid IBAN (%(reason)s)."), params={"value": value, "reason": exc}
                ) from exc
        return value

    def clean_bic(self) -> str:
        value = self.cleaned_data["bic"].replace(" ", "").upper()
        if value:
            try:
                BIC(value)
            except SchwiftyException as exc:
                raise ValidationError(
                    _("%(value)s is not a valid BIC (%(reason)s)."), params={"value": value, "reason": exc}
                ) from exc
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        iban, bic = data.get("iban"), data.get("bic")
        if bic and not iban and not self.has_error("iban"):
            self.add_error("iban", _("Give the IBAN of the account this BIC belongs to."))
        if iban and not bic and not self.has_error("iban"):
            derived = IBAN(iban).bic  # schwifty knows the BIC of many banks from the IBAN
            if derived is not None:
                data["bic"] = str(derived)
        return data

    def values(self) -> dict[str, object]:
        return {"iban": self.cleaned_data["iban"], "bic": self.cleaned_data["bic"]}


class LogoForm(forms.Form):
    logo = forms.FileField(
        label=_("Logo (PNG or JPEG)"), required=False,
        help_text=_("At most %(size)d KB. Printed at the top left of statements and letters.")
        % {"size": LOGO_MAX_BYTES // 1024},
        widget=forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg"}),
    )  # fmt: skip
    remove = forms.BooleanField(label=_("Remove the logo"), required=False)

    def clean_logo(self) -> Any:
        upload = self.cleaned_data.get("logo")
        if upload:
            try:
                logo_format(upload)
            except ValidationError as exc:
                code = exc.error_list[0].code
                if code == "logo_size":
                    raise ValidationError(
                        _("The logo is %(size)d KB; the limit is %(limit)d KB."),
                        params={"size": upload.size // 1024, "limit": LOGO_MAX_BYTES // 1024},
                    ) from exc
                if code == "logo_pixels":
                    raise ValidationError(_("The logo is too large: at most 4000 pixels a side.")) from exc
                raise ValidationError(_("The logo must be a PNG or JPEG image.")) from exc
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("logo") and not data.get("remove") and not self.errors:
            raise ValidationError(_("Choose an image file, or tick 'Remove the logo'."))
        return data


class PenaltyForm(forms.Form):
    penalties_enabled = forms.BooleanField(
        label=_("Show late-payment penalties"), required=False,
        help_text=_("On statements, reminders and letters, for customers that do not override it."),
    )  # fmt: skip
    penalty_rule = forms.ChoiceField(label=_("Jurisdiction"), choices=PENALTY_RULES)
    penalty_contract_rate = forms.DecimalField(
        label=_("Contractual rate (annual %)"), required=False, min_value=Decimal(0), max_value=Decimal(50),
        max_digits=6, decimal_places=3,
        help_text=_("France: the rate of your general terms (at least 3 times the legal rate). "
                    "Contractual rule: the rate applied."),
    )  # fmt: skip
    penalty_contract_fee = forms.DecimalField(
        label=_("Contractual fixed fee per late invoice"), required=False, min_value=Decimal(0),
        max_digits=12, decimal_places=3, help_text=_("In the company's currency; contractual rule only."),
    )  # fmt: skip
    penalty_rate_of_delay_start = forms.BooleanField(
        label=_("France: apply the rate of the half-year in which the delay started to all its days"), required=False
    )

    def __init__(self, *args: Any, currency: str, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.currency, self.today = currency, today

    def clean_penalty_contract_fee(self) -> int | None:
        value = self.cleaned_data.get("penalty_contract_fee")
        if value is None:
            return None
        try:
            return to_minor(value, self.currency)
        except MoneyError as exc:
            raise ValidationError(
                _("%(currency)s has %(digits)d decimals."),
                params={"currency": self.currency, "digits": currency_exponent(self.currency)},
            ) from exc

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        rule, rate = data.get("penalty_rule"), data.get("penalty_contract_rate")
        if rule == "contract" and rate is None and not self.has_error("penalty_contract_rate"):
            self.add_error("penalty_contract_rate", _("The contractual rule needs a rate."))
        if rule == "fr" and rate is not None:
            floor = french_floor(self.today)
            if floor is not None and rate < floor:
                self.add_error(
                    "penalty_contract_rate",
                    _("In France a contractual rate may not be below 3 times the legal rate: %(floor)s %% now.")
                    % {"floor": floor},
                )
        return data

    def values(self) -> dict[str, object]:
        return dict(self.cleaned_data)


def french_floor(today: dt.date) -> Decimal | None:
    """The lowest contractual rate French law allows in the current half-year (None if unknown)."""
    from relance.finance.penalties import HalfYear, get_rule
    from relance.finance.rates_store import load_rate_book

    try:
        rule = get_rule("fr", contract_rate=Decimal(20))
        return rule.contract_floor(period=HalfYear.of(today), rates=load_rate_book())  # type: ignore[attr-defined, no-any-return]
    except Exception:  # no rate known for the half-year: the run reports it, the form does not guess
        return None


class RunForm(forms.Form):
    run_time = forms.TimeField(
        label=_("Daily run at"), help_text=_("Local time; reminders are decided then."),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )  # fmt: skip
    send_window_start = forms.TimeField(
        label=_("Send e-mails from"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    send_window_end = forms.TimeField(label=_("until"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    promise_grace_days = forms.IntegerField(
        label=_("Grace after a promised date (days)"), min_value=0, max_value=60,
        help_text=_("A promise is broken when no payment arrived this many days after its date."),
    )  # fmt: skip
    promise_max_days = forms.IntegerField(
        label=_("Longest promise (days)"), min_value=1, max_value=365,
        help_text=_("How far ahead a collector may record a promise."),
    )  # fmt: skip
    paused = forms.BooleanField(label=_("Pause the daily run for this company"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("send_window_start"), data.get("send_window_end")
        if start and end and start >= end:
            self.add_error("send_window_end", _("The send window must end after it starts."))
        grace, longest = data.get("promise_grace_days"), data.get("promise_max_days")
        if grace is not None and longest is not None and grace > longest:
            self.add_error("promise_grace_days", _("The grace period cannot be longer than the longest promise."))
        return data

    def values(self) -> dict[str, object]:
        return dict(self.cleaned_data)


class PortalForm(forms.Form):
    link_validity_days = forms.IntegerField(
        label=_("Link lifetime (days)"), min_value=1, max_value=365,
        help_text=_("How long the link in an e-mail opens the customer's page; an expired link offers a fresh one."),
    )  # fmt: skip
    max_promise_days = forms.IntegerField(
        label=_("Longest promise from the page (days)"), min_value=1, max_value=365,
        help_text=_("How far ahead a customer may promise to pay."),
    )  # fmt: skip
    max_upload_mb = forms.IntegerField(label=_("Largest file a customer may send (MB)"), min_value=1, max_value=50)
    max_files = forms.IntegerField(label=_("Files per answer"), min_value=0, max_value=20)

    def portal_values(self) -> dict[str, object]:
        data = self.cleaned_data
        return {
            "max_promise_days": data["max_promise_days"],
            "max_upload_bytes": data["max_upload_mb"] * MB,
            "max_files": data["max_files"],
        }

    def mail_values(self) -> dict[str, object]:
        return {"link_validity_days": self.cleaned_data["link_validity_days"]}


class MailForm(forms.Form):
    from_name = forms.CharField(
        label=_("Sender name"), max_length=120, required=False, help_text=_("Defaults to the company name.")
    )
    from_email = forms.EmailField(
        label=_("Sender address"), required=False,
        help_text=_("Defaults to the company e-mail. The mail server must be allowed to send for its domain."),
    )  # fmt: skip
    reply_to_collector = forms.BooleanField(label=_("Replies go to the customer's collector"), required=False)
    archive_bcc = forms.EmailField(
        label=_("Archive copy (blind copy) to"), required=False, help_text=_("Every e-mail, for your records.")
    )
    attach_statement_pdf = forms.BooleanField(label=_("Attach the statement as PDF"), required=False)
    invoice_pdfs = forms.ChoiceField(label=_("Invoice PDFs"), choices=InvoicePdfMode.choices)
    max_attachment_mb = forms.IntegerField(label=_("Largest attachments per e-mail (MB)"), min_value=1, max_value=50)

    def values(self) -> dict[str, object]:
        data = dict(self.cleaned_data)
        data["max_attachment_bytes"] = data.pop("max_attachment_mb") * MB
        return data


class TestMailForm(forms.Form):
    to = forms.EmailField(label=_("Send a test e-mail to"))
