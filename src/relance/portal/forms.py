"""The page's forms: one per thing the customer can do. Invoices are chosen among the account's
open invoices only (the choices come from the link's customer, never from the request)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from relance.collection.models import DisputeReason
from relance.ledger.models import PaymentMethod

MEANS = [m for m in PaymentMethod.choices if m[0] in ("transfer", "card", "direct_debit", "cheque", "bill_of_exchange")]
TEXT_MAX = 4000


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [file for file in data if file]
        return [data] if data else []


class ItemsForm(forms.Form):
    """Base: the invoices the answer is about."""

    needs_items = True
    invoices = forms.TypedMultipleChoiceField(coerce=int, label=_("Invoices"), required=True)

    def __init__(self, *args: Any, invoice_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["invoices"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = invoice_choices
        self.fields["invoices"].required = self.needs_items
        self.fields["invoices"].error_messages["required"] = _("Select at least one invoice.")

    def payload(self) -> dict[str, Any]:
        skipped = ("invoices", "attachments")
        return {k: v for k, v in self.cleaned_data.items() if k not in skipped and v not in ("", None)}


class SimpleForm(ItemsForm):
    """Acknowledge receipt, validated for payment, in payment: the items and an optional comment."""

    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=TEXT_MAX,
                              widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip


class PromiseForm(ItemsForm):
    date = forms.DateField(label=_("Payment date"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(
        label=_("Amount (empty: the whole open amount)"), required=False, min_value=Decimal("0.01"),
        max_digits=15, decimal_places=2,
    )  # fmt: skip
    means = forms.ChoiceField(label=_("Means of payment"), choices=MEANS)
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=TEXT_MAX,
                              widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip

    def __init__(self, *args: Any, today: dt.date, max_days: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today, self.max_days = today, max_days
        self.fields["date"].widget.attrs.update(
            {"min": today.isoformat(), "max": (today + dt.timedelta(days=max_days)).isoformat()}
        )

    def clean_date(self) -> dt.date:
        date: dt.date = self.cleaned_data["date"]
        if date < self.today:
            raise forms.ValidationError(_("The payment date cannot be in the past."))
        if date > self.today + dt.timedelta(days=self.max_days):
            raise forms.ValidationError(_("The payment date must be within %(days)s days.") % {"days": self.max_days})
        return date

    def payload(self) -> dict[str, Any]:
        data = super().payload()
        data["date"] = self.cleaned_data["date"].isoformat()
        if self.cleaned_data.get("amount") is not None:
            data["amount"] = str(self.cleaned_data["amount"])
        return data


class DisputeForm(ItemsForm):
    reason = forms.ChoiceField(label=_("Reason"), choices=DisputeReason.choices)
    comment = forms.CharField(label=_("Explain the problem"), max_length=TEXT_MAX,
                              widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    attachments = MultipleFileField(label=_("Attachments (PDF, images, office files, e-mails)"), required=False)


class QuestionForm(ItemsForm):
    needs_items = False
    comment = forms.CharField(label=_("Your question or comment"), max_length=TEXT_MAX,
                              widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip


class ProofForm(ItemsForm):
    needs_items = False
    payment_date = forms.DateField(label=_("Payment date"), required=False,
                                   widget=forms.DateInput(attrs={"type": "date"}))  # fmt: skip
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=TEXT_MAX,
                              widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip
    attachments = MultipleFileField(label=_("Proof of payment (PDF or image)"))

    def payload(self) -> dict[str, Any]:
        data = super().payload()
        if self.cleaned_data.get("payment_date"):
            data["payment_date"] = self.cleaned_data["payment_date"].isoformat()
        return data


class BankConfirmForm(ItemsForm):
    needs_items = False
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=TEXT_MAX,
                              widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip


class BankChangedForm(ItemsForm):
    needs_items = False
    account_holder = forms.CharField(label=_("Account holder"), max_length=140)
    iban = forms.CharField(label=_("New IBAN"), max_length=42)
    bic = forms.CharField(label=_("BIC (optional)"), max_length=11, required=False)
    comment = forms.CharField(label=_("Comment (optional)"), required=False, max_length=TEXT_MAX,
                              widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip

    def clean_iban(self) -> str:
        from schwifty import IBAN
        from schwifty.exceptions import SchwiftyException

        value = self.cleaned_data["iban"].replace(" ", "").upper()
        try:
            return str(IBAN(value).compact)
        except SchwiftyException:
            raise forms.ValidationError(_("This IBAN is not valid.")) from None


class ContactForm(ItemsForm):
    needs_items = False
    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"))
    phone = forms.CharField(label=_("Phone"), max_length=40, required=False)
