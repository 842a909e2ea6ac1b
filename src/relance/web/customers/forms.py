"""The customer page's forms: they check what the user typed; the services decide the rest."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from relance.collection.models import DisputeReason
from relance.ledger.models import PaymentMethod
from relance.ledger.models.company import LANGUAGES

DATE = forms.DateInput(attrs={"type": "date"})


class FilterForm(forms.Form):
    """The list's filters, read from the query string (never an error: bad values are ignored)."""

    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    collector = forms.ChoiceField(label=_("Collector"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    scenario = forms.ChoiceField(label=_("Scenario"), required=False)
    tags = forms.MultipleChoiceField(label=_("Tags"), required=False)
    overdue = forms.ChoiceField(
        label=_("Overdue"),
        required=False,
        choices=[
            ("", _("Any")),
            ("any", _("Something overdue")),
            ("none", _("Nothing overdue")),
            ("1_30", _("Oldest 1-30 days late")),
            ("31_60", _("Oldest 31-60 days late")),
            ("61_90", _("Oldest 61-90 days late")),
            ("over_90", _("Oldest over 90 days late")),
        ],
    )


class PromiseForm(forms.Form):
    date = forms.DateField(label=_("Promised payment date"), widget=DATE)
    amount = forms.DecimalField(
        label=_("Amount"), required=False, min_value=Decimal("0.01"), max_digits=16, decimal_places=2,
        help_text=_("Blank: the whole open amount of the items."),
    )  # fmt: skip
    means = forms.ChoiceField(label=_("Means of payment"), choices=PaymentMethod.choices, initial="transfer")
    made_by = forms.CharField(label=_("Promised by"), required=False, max_length=200)
    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class DisputeForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason"), choices=DisputeReason.choices)
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SendForm(forms.Form):
    template = forms.ChoiceField(label=_("E-mail template"))

    def __init__(self, *args: object, templates: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["template"].choices = templates


OUTCOMES = [("note", _("A note only")), ("promise", _("A promise to pay")), ("dispute", _("A dispute"))]


class CallForm(forms.Form):
    reached = forms.TypedChoiceField(
        label=_("Did you reach someone?"), choices=[("1", _("Reached")), ("0", _("Not reached"))],
        coerce=lambda v: v == "1", widget=forms.RadioSelect, initial="1",
    )  # fmt: skip
    note = forms.CharField(label=_("What was said"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    outcome = forms.ChoiceField(label=_("Outcome"), choices=OUTCOMES, widget=forms.RadioSelect, initial="note")
    promise_date = forms.DateField(label=_("Promised payment date"), required=False, widget=DATE)
    promise_amount = forms.DecimalField(
        label=_("Amount promised"), required=False, min_value=Decimal("0.01"), max_digits=16, decimal_places=2
    )
    promise_means = forms.ChoiceField(label=_("Means of payment"), choices=PaymentMethod.choices, initial="transfer")
    made_by = forms.CharField(label=_("Who answered"), required=False, max_length=200)
    dispute_reason = forms.ChoiceField(label=_("Dispute reason"), choices=DisputeReason.choices, required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("outcome") == "promise" and not data.get("promise_date"):
            self.add_error("promise_date", _("Give the promised payment date."))
        if data.get("outcome") == "dispute" and not data.get("dispute_reason"):
            self.add_error("dispute_reason", _("Choose the reason of the dispute."))
        if data.get("outcome") in ("promise", "dispute") and not data.get("reached"):
            self.add_error("outcome", _("A promise or a dispute needs someone reached."))
        return data


class ResolveForm(forms.Form):
    resolution = forms.CharField(label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 2}))
    rejected = forms.TypedChoiceField(
        label=_("Outcome"), choices=[("0", _("Resolved (the customer was right)")), ("1", _("Rejected"))],
        coerce=lambda v: v == "1", initial="0",
    )  # fmt: skip


class CommentForm(forms.Form):
    text = forms.CharField(label=_("Comment"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)


class ColleagueForm(forms.Form):
    email = forms.EmailField(label=_("Colleague's e-mail"))
    name = forms.CharField(label=_("Colleague's name"), required=False, max_length=200)
    question = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)


class PauseForm(forms.Form):
    until = forms.DateField(label=_("Pause until"), required=False, widget=DATE, help_text=_("Blank: until resumed."))
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)

    def __init__(self, *args: object, today: dt.date | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.today = today

    def clean_until(self) -> dt.date | None:
        until = self.cleaned_data.get("until")
        if until is not None and self.today is not None and until <= self.today:
            raise forms.ValidationError(_("Choose a date after today."))
        return until


class LitigationForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=200)


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Internal note"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    pinned = forms.BooleanField(label=_("Pin at the top"), required=False)


ROLES = [
    ("is_accounts_payable", _("Accounts payable")),
    ("is_buyer", _("Buyer")),
    ("is_finance", _("Finance")),
    ("is_other", _("Other")),
]


class ContactForm(forms.Form):
    name = forms.CharField(label=_("Name"), required=False, max_length=200)
    email = forms.EmailField(label=_("E-mail"), required=False)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    roles = forms.MultipleChoiceField(label=_("Roles"), choices=ROLES, required=False,
                                      widget=forms.CheckboxSelectMultiple)  # fmt: skip
    language = forms.ChoiceField(label=_("Language"), choices=[("", _("As the customer")), *LANGUAGES],
                                 required=False)  # fmt: skip
    is_primary = forms.BooleanField(label=_("Main contact"), required=False)

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not (str(data.get("name") or "").strip() or data.get("email")):
            raise forms.ValidationError(_("Give the contact a name or an e-mail address."))
        return data
