"""Customers (the debtors) and their contacts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from relance.ledger.models.company import LANGUAGES, PENALTY_RULES, Company, Tag
from relance.ledger.validators import validate_country, validate_currency, validate_vat_id


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    LITIGATION = "litigation", _("Litigation")


class Customer(models.Model):
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="customers")
    code = models.CharField(max_length=50, help_text="The customer's account code in the ERP; unique per company.")
    name = models.CharField(max_length=200)
    legal_id = models.CharField("registration number", max_length=50, blank=True)
    vat_id = models.CharField("VAT number", max_length=30, blank=True, validators=[validate_vat_id])
    address_line1 = models.CharField(max_length=200, blank=True)
    address_line2 = models.CharField(max_length=200, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    city = models.CharField(max_length=100, blank=True)
    country = models.CharField(max_length=2, blank=True, validators=[validate_country])
    language = models.CharField(max_length=8, choices=LANGUAGES, default="en")
    currency = models.CharField(
        max_length=3, blank=True, validators=[validate_currency], help_text="Blank: the company's currency."
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Blank: the company's default."
    )
    collector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="portfolio"
    )
    tags = models.ManyToManyField(Tag, blank=True, related_name="customers")
    status = models.CharField(max_length=16, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE)
    penalties_enabled = models.BooleanField(
        null=True, blank=True, help_text=_("Blank: as the company; no to waive penalties for this customer.")
    )
    penalty_rule = models.CharField(
        max_length=10, choices=PENALTY_RULES, blank=True, help_text=_("Blank: the company's.")
    )
    paused_until = models.DateField(null=True, blank=True, help_text="Paused: no collection action until this date.")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["company", "code"], name="customer_unique_code_per_company")]
        indexes = [models.Index(fields=["company", "status"]), models.Index(fields=["company", "name"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class Contact(models.Model):
    """A person at the customer. Reminders go to accounts-payable contacts; buyer/finance in copy."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="contacts")
    external_ref = models.CharField(max_length=64, blank=True, help_text="Identifier in the ERP, if any.")
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    is_accounts_payable = models.BooleanField("accounts payable", default=False)
    is_buyer = models.BooleanField("buyer", default=False)
    is_finance = models.BooleanField("finance", default=False)
    is_other = models.BooleanField("other role", default=False)
    language = models.CharField(
        max_length=8, choices=LANGUAGES, blank=True, help_text="Blank: the customer's language."
    )
    is_primary = models.BooleanField(default=False)
    email_failed_at = models.DateTimeField(
        null=True, blank=True, help_text="Set when an e-mail to this address failed permanently (bounce, refused)."
    )
    email_failed_reason = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-is_primary", "name"]
        indexes = [models.Index(fields=["customer", "email"])]

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def roles(self) -> list[str]:
        flags = {
            "accounts_payable": self.is_accounts_payable,
            "buyer": self.is_buyer,
            "finance": self.is_finance,
            "other": self.is_other,
        }
        return [role for role, on in flags.items() if on]
