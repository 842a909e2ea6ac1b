"""The legal entity that is owed money, its users and its customer tags."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.accounts.models import Role
from relance.ledger.validators import (
    compact_iban,
    validate_bic,
    validate_country,
    validate_currency,
    validate_iban,
    validate_timezone,
    validate_vat_id,
)

PENALTY_RULES = [
    ("fr", _("France: ECB + 10 points, EUR 40 (Code de commerce L441-10)")),
    ("de", _("Germany: base rate + 9 points, EUR 40 (BGB 288)")),
    ("uk", _("United Kingdom: Bank of England + 8 points, GBP 40/70/100 (Late Payment Act 1998)")),
    ("eu", _("EU default: ECB + 8 points, EUR 40 (Directive 2011/7/EU)")),
    ("contract", _("Contractual rate and fee")),
]

LANGUAGES = [("en", _("English")), ("fr", _("French"))]


class Company(models.Model):
    """A legal entity (the supplier). Every root model of Relance belongs to exactly one."""

    name = models.CharField(max_length=200)
    legal_name = models.CharField(max_length=200, blank=True)
    legal_id = models.CharField(
        "registration number", max_length=50, blank=True, help_text="SIREN/SIRET, company number..."
    )
    vat_id = models.CharField("VAT number", max_length=30, blank=True, validators=[validate_vat_id])
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, default="FR", validators=[validate_country])
    currency = models.CharField(max_length=3, default="EUR", validators=[validate_currency])
    timezone = models.CharField(max_length=64, default="Europe/Paris", validators=[validate_timezone])
    language = models.CharField(max_length=8, choices=LANGUAGES, default="fr")
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    website = models.URLField(blank=True)
    iban = models.CharField("IBAN", max_length=34, blank=True, validators=[validate_iban])
    bic = models.CharField("BIC", max_length=11, blank=True, validators=[validate_bic])
    logo = models.FileField(upload_to="logos/", blank=True)
    default_payment_terms_days = models.PositiveSmallIntegerField(default=30)
    penalties_enabled = models.BooleanField(
        _("show late-payment penalties"), default=False, help_text=_("On statements, reminders and letters.")
    )
    penalty_rule = models.CharField(max_length=10, choices=PENALTY_RULES, default="fr")
    penalty_contract_rate = models.DecimalField(
        max_digits=6, decimal_places=3, null=True, blank=True, help_text=_("Annual %, for a contractual rate.")
    )
    penalty_contract_fee = models.BigIntegerField(
        null=True, blank=True, help_text=_("Contractual fixed fee per late invoice, in minor units.")
    )
    penalty_rate_of_delay_start = models.BooleanField(
        default=False,
        help_text=_("France: apply the rate of the half-year in which the delay started to all its days."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.iban = compact_iban(self.iban)
        self.bic = self.bic.replace(" ", "").upper()
        self.vat_id = self.vat_id.replace(" ", "").upper()


class Membership(models.Model):
    """A user's access to a company, with a role. A user may belong to several companies."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.COLLECTOR)
    sees_all_customers = models.BooleanField(
        default=False, help_text="A collector sees only their portfolio unless this is set."
    )

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["user", "company"], name="membership_unique_user_company")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company} ({self.role})"


class Tag(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=50)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["company", "name"], name="tag_unique_name_per_company")]

    def __str__(self) -> str:
        return self.name
