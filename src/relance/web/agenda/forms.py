"""The agenda's forms: a call's outcome in one step, an e-mail edited before sending, skips, bulk."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from relance.collection.models import DisputeReason
from relance.core.money import Money, MoneyError
from relance.ledger.models import Invoice, PaymentMethod
from relance.ledger.selectors import OpenItem

NOTHING, PROMISE, DISPUTE = "note", "promise", "dispute"


class CallOutcomeForm(forms.Form):
    """Reached or not, and what came out of the call: a promise, a dispute, or a note alone."""

    reached = forms.TypedChoiceField(
        label=_("Did you reach someone?"),
        choices=[("yes", _("Yes, I spoke to the customer")), ("no", _("No answer / left a message"))],
        widget=forms.RadioSelect,
        initial="yes",
    )
    spoke_to = forms.CharField(label=_("Who did you speak to?"), max_length=200, required=False)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[(PROMISE, _("Promise to pay")), (DISPUTE, _("Dispute")), (NOTHING, _("A note only"))],
        widget=forms.RadioSelect,
        initial=PROMISE,
    )
    invoices = forms.MultipleChoiceField(
        label=_("Invoices concerned"), required=False, widget=forms.CheckboxSelectMultiple
    )
    promise_date = forms.DateField(
        label=_("Promised payment date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    promise_amount = forms.DecimalField(
        label=_("Amount promised"),
        required=False,
        min_value=Decimal("0.01"),
        decimal_places=2,
        help_text=_("Leave empty for the whole open amount of the invoices."),
    )
    promise_means = forms.ChoiceField(
        label=_("Means of payment"), choices=PaymentMethod.choices, initial="transfer", required=False
    )
    dispute_reason = forms.ChoiceField(
        label=_("Reason of the dispute"), choices=[("", "—"), *DisputeReason.choices], required=False
    )
    dispute_comment = forms.CharField(
        label=_("What the customer says"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: object, items: list[OpenItem], currency: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.items = {str(item.item_id): item for item in items}
        self.currency = currency
        self.fields["invoices"].choices = [(key, item.number) for key, item in self.items.items()]
        if not self.is_bound:
            self.initial.setdefault(
                "invoices", [k for k, i in self.items.items() if i.days_overdue > 0] or list(self.items)
            )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        outcome = data.get("outcome")
        reached = data.get("reached") == "yes"
        if outcome in (PROMISE, DISPUTE) and not reached:
            self.add_error("outcome", _("A promise or a dispute needs someone reached: choose “A note only”."))
        if outcome in (PROMISE, DISPUTE) and not data.get("invoices"):
            self.add_error("invoices", _("Choose the invoices concerned."))
        if outcome == PROMISE:
            if not data.get("promise_date"):
                self.add_error("promise_date", _("Give the date the customer promised to pay."))
            amount = data.get("promise_amount")
            if amount is not None:
                try:
                    data["promise_money"] = Money.of(amount, self.currency)
                except MoneyError:
                    self.add_error("promise_amount", _("Not an amount in this currency."))
        if outcome == DISPUTE and not data.get("dispute_reason"):
            self.add_error("dispute_reason", _("Choose the reason of the dispute."))
        data["promise_means"] = data.get("promise_means") or PaymentMethod.TRANSFER
        return data

    def chosen_invoice_ids(self) -> list[int]:
        return [int(k) for k in self.cleaned_data.get("invoices") or [] if k in self.items]


class EmailEditForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=250)
    body_source = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 14, "spellcheck": "true"}),
        help_text=_(
            "The template of this step; #hashtags are filled in for this customer. Changes apply to this e-mail only."
        ),
    )
    body_format = forms.CharField(widget=forms.HiddenInput, initial="markdown")


class SkipForm(forms.Form):
    reason = forms.CharField(label=_("Why skip it?"), max_length=300)


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=2000, required=False)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note to keep"), max_length=2000, required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("decision") == "reject" and not data.get("note"):
            self.add_error("note", _("Say why you reject it."))
        return data


BULK_SKIP, BULK_LETTERS_SENT, BULK_SEND = "skip", "letters_sent", "send_emails"


class BulkForm(forms.Form):
    operation = forms.ChoiceField(
        label=_("With the selected tasks"),
        choices=[
            (BULK_SEND, _("Send the selected e-mails")),
            (BULK_LETTERS_SENT, _("Mark the selected letters printed and sent")),
            (BULK_SKIP, _("Skip the selected tasks")),
        ],
    )
    reason = forms.CharField(label=_("Reason (to skip)"), max_length=300, required=False)
    ids = forms.TypedMultipleChoiceField(coerce=int, required=True, choices=[])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        raw = self.data.getlist("ids") if hasattr(self.data, "getlist") else []
        self.fields["ids"].choices = [(v, v) for v in raw if str(v).isdigit()]
        self.fields["ids"].error_messages["required"] = _("Select at least one task.")

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("operation") == BULK_SKIP and not data.get("reason"):
            self.add_error("reason", _("Say why the tasks are skipped."))
        return data


def invoices_for(ids: list[int], *, customer_id: int) -> list[Invoice]:
    return list(Invoice.objects.filter(pk__in=ids, customer_id=customer_id).order_by("due_date", "number"))


def latest_promise_date(today: dt.date, days: int) -> dt.date:
    return today + dt.timedelta(days=days)
