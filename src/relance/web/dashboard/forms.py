"""The dashboard's filters: period, date, collector, customer tag. All optional, read from GET."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from relance.accounts.models import User
from relance.ledger.models import Company, Tag
from relance.web.dashboard.figures import DEFAULT_PERIOD, PERIODS

UNASSIGNED = "none"
EARLIEST = dt.date(2000, 1, 1)


def period_choices() -> list[tuple[int, str]]:
    return [(n, ngettext("Last %(n)d month", "Last %(n)d months", n) % {"n": n}) for n in PERIODS]


class DashboardFilters(forms.Form):
    period = forms.TypedChoiceField(label=_("Period"), coerce=int, required=False, choices=())
    as_of = forms.DateField(
        label=_("At date"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    collector = forms.ChoiceField(label=_("Collector"), required=False, choices=())
    tag = forms.ChoiceField(label=_("Customer tag"), required=False, choices=())

    def __init__(
        self, data, *, company: Company, today: dt.date, collectors: list[User] | None, tags: list[Tag]
    ) -> None:  # type: ignore[no-untyped-def]
        super().__init__(data)
        self.today = today
        self.fields["period"].choices = period_choices()
        self.fields["period"].initial = DEFAULT_PERIOD
        self.fields["as_of"].initial = today
        self.fields["as_of"].widget.attrs.update({"max": today.isoformat(), "min": EARLIEST.isoformat()})
        if collectors is None:  # a collector who sees only their own portfolio
            del self.fields["collector"]
        else:
            self.fields["collector"].choices = [
                ("", _("Whole company")),
                *((str(user.pk), user.get_full_name() or user.username) for user in collectors),
                (UNASSIGNED, _("No collector")),
            ]
        self.fields["tag"].choices = [("", _("All customers")), *((str(tag.pk), tag.name) for tag in tags)]

    def clean_as_of(self) -> dt.date | None:
        value = self.cleaned_data.get("as_of")
        if value is not None and value > self.today:
            raise forms.ValidationError(_("The dashboard cannot show a date after today."))
        if value is not None and value < EARLIEST:
            raise forms.ValidationError(_("Choose a date after 1 January 2000."))
        return value

    def choice(self, name: str, default: object) -> object:
        """The cleaned value of a field, or `default` when it is empty or was refused."""
        if not self.is_bound:
            return default
        self.is_valid()
        value = self.cleaned_data.get(name)
        return default if value in (None, "") else value


__all__ = ["DEFAULT_PERIOD", "UNASSIGNED", "DashboardFilters"]
