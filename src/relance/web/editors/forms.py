"""Forms of the scenario and template editors, and the exact parsing of amounts typed by people.

Amounts are typed in major units with the reader's habits ("1 234,56", "1,234.56", "1234.56",
"5 000 €") and stored in minor units: parsed with Decimal, never a float, and refused (not
rounded) when they carry more decimals than the currency has.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from relance.collection.domain.model import Channel, Mode, Trigger
from relance.collection.models import Scenario
from relance.core.money import MoneyError, currency_exponent, to_minor
from relance.ledger.models import Company, Tag
from relance.messaging.models import MessageTemplate, TemplateChannel
from relance.messaging.services import LANGUAGES

SPACES = str.maketrans("", "", " \u00a0\u202f\u2009'\t")


class AmountError(ValueError):
    pass


def parse_major_amount(text: str, currency: str) -> int:
    """'1 234,56' / '1,234.56' / '1.234,56' / '1234.56' / '1234' -> minor units (EUR: 123456).

    The last of '.' and ',' is the decimal mark when both appear; a mark repeated, or a single
    mark followed by exactly three digits (for a currency with fewer decimals), groups thousands."""
    # the currency's code or a currency sign is dropped ("5 000 €", "EUR 12.50")
    cleaned = re.sub(re.escape(currency) + r"|[€$£¥¤]", "", text.translate(SPACES), flags=re.IGNORECASE)
    if not re.fullmatch(r"[+-]?[\d.,]+", cleaned) or not re.search(r"\d", cleaned):
        raise AmountError(_("“%(value)s” is not an amount.") % {"value": text})
    sign = -1 if cleaned.startswith("-") else 1
    digits = cleaned.lstrip("+-")
    exponent = currency_exponent(currency)
    dot, comma = digits.rfind("."), digits.rfind(",")
    if dot >= 0 and comma >= 0:
        decimal_mark = "." if dot > comma else ","
        group_mark = "," if decimal_mark == "." else "."
        if digits.count(decimal_mark) > 1:
            raise AmountError(_("“%(value)s” is not an amount.") % {"value": text})
        integer, _sep, fraction = digits.partition(decimal_mark)
        if not re.fullmatch(r"\d{1,3}(" + re.escape(group_mark) + r"\d{3})*", integer):
            raise AmountError(_("“%(value)s” is not an amount.") % {"value": text})
        integer = integer.replace(group_mark, "")
    elif dot >= 0 or comma >= 0:
        mark = "." if dot >= 0 else ","
        parts = digits.split(mark)
        grouped = len(parts) > 2 or (len(parts[-1]) == 3 and exponent < 3 and parts[0] != "")
        if grouped:
            if not (1 <= len(parts[0]) <= 3 and all(len(p) == 3 and p.isdigit() for p in parts[1:])):
                raise AmountError(_("“%(value)s” is not an amount.") % {"value": text})
            integer, fraction = "".join(parts), ""
        else:
            integer, fraction = parts[0] or "0", parts[1]
    else:
        integer, fraction = digits, ""
    if not integer.isdigit() or (fraction and not fraction.isdigit()):
        raise AmountError(_("“%(value)s” is not an amount.") % {"value": text})
    try:
        value = Decimal(f"{integer}.{fraction}" if fraction else integer) * sign
        return to_minor(value, currency)
    except (InvalidOperation, MoneyError):
        raise AmountError(
            _("At most %(decimals)s decimals for %(currency)s.") % {"decimals": exponent, "currency": currency}
        ) from None


def format_major_input(minor: int, currency: str) -> str:
    """An amount in minor units as typed back into a field: '5000,00' in French, '5000.00' in English."""
    exponent = currency_exponent(currency)
    units, fraction = divmod(abs(minor), 10**exponent)
    text = f"{units}.{fraction:0{exponent}d}" if exponent else str(units)
    if (get_language() or "en")[:2] == "fr":
        text = text.replace(".", ",")
    return f"-{text}" if minor < 0 else text


class AmountField(forms.CharField):
    """A money amount in major units in, minor units out (an int), in the company's currency."""

    def __init__(self, *, currency: str, **kwargs: object) -> None:
        self.currency = currency
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", "size": 10}))
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def prepare_value(self, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool):
            return format_major_input(value, self.currency)
        return value

    def to_python(self, value: object) -> int | None:  # type: ignore[override]
        text = str(value or "").strip()
        if not text:
            return None
        try:
            amount = parse_major_amount(text, self.currency)
        except AmountError as error:
            raise forms.ValidationError(str(error), code="amount") from None
        if amount < 0:
            raise forms.ValidationError(_("The amount cannot be negative."), code="negative")
        return amount


TRIGGER_CHOICES = [(Trigger.DUE.value, _("Relative to the due date")),
                   (Trigger.BROKEN_PROMISE.value, _("When a promise is broken"))]  # fmt: skip
CHANNEL_CHOICES = [(Channel.EMAIL.value, _("E-mail")), (Channel.CALL.value, _("Call")),
                   (Channel.LETTER.value, _("Letter")), (Channel.TASK.value, _("Task"))]  # fmt: skip
MODE_CHOICES = [(Mode.AUTO.value, _("Automatic")), (Mode.CONFIRM.value, _("To confirm"))]
CHANNEL_LABELS = dict(CHANNEL_CHOICES)
MODE_LABELS = dict(MODE_CHOICES)


class ScenarioForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class CopyForm(forms.Form):
    name = forms.CharField(label=_("Name of the copy"), max_length=100)


def template_choices(company: Company) -> list[tuple[str, list[tuple[str, str]]]]:
    """The company's templates grouped by channel (the step's template is one of its channel)."""
    by_channel: dict[str, dict[str, str]] = {}
    for code, channel, name in (
        MessageTemplate.objects.filter(company=company)
        .order_by("code", "language")
        .values_list("code", "channel", "name")
    ):
        by_channel.setdefault(channel, {}).setdefault(code, f"{code} — {name}")
    labels = dict(TemplateChannel.choices)
    return [
        (str(labels.get(channel, channel)), sorted(codes.items()))
        for channel, codes in sorted(by_channel.items())
        if codes
    ]


class StepForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    trigger = forms.ChoiceField(label=_("Trigger"), choices=TRIGGER_CHOICES, initial=Trigger.DUE.value)
    offset_days = forms.IntegerField(
        label=_("Offset (days)"), initial=0, min_value=-366, max_value=366,
        help_text=_("Days after the due date; negative: before it (preventive)."),
        widget=forms.NumberInput(attrs={"size": 5}),
    )  # fmt: skip
    channel = forms.ChoiceField(label=_("Channel"), choices=CHANNEL_CHOICES)
    template_code = forms.ChoiceField(label=_("Template"), required=False)
    mode = forms.ChoiceField(label=_("Mode"), choices=MODE_CHOICES, initial=Mode.AUTO.value)
    min_days_since_contact = forms.IntegerField(
        label=_("Min. days since last contact"), initial=0, min_value=0, max_value=365,
        widget=forms.NumberInput(attrs={"size": 5}),
    )  # fmt: skip
    tags = forms.ModelMultipleChoiceField(
        label=_("Only customers tagged"), queryset=Tag.objects.none(), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("None ticked: every customer."),
    )  # fmt: skip
    cc_buyer = forms.BooleanField(label=_("Buyers in copy"), required=False)
    cc_finance = forms.BooleanField(label=_("Finance in copy"), required=False)

    def __init__(self, *args: object, company: Company, **kwargs: object) -> None:
        kwargs.setdefault("auto_id", "id_step_%s")  # unique beside the scenario's own form on the page
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["min_overdue_minor"] = AmountField(
            currency=company.currency, label=_("Min. overdue (%(currency)s)") % {"currency": company.currency},
            required=False,
        )  # fmt: skip
        self.fields["min_open_minor"] = AmountField(
            currency=company.currency, label=_("Min. open (%(currency)s)") % {"currency": company.currency},
            required=False,
        )  # fmt: skip
        self.fields["template_code"].choices = [("", _("— none —")), *template_choices(company)]  # type: ignore[attr-defined]
        self.fields["tags"].queryset = Tag.objects.filter(company=company)  # type: ignore[attr-defined]
        self.order_fields(
            ["name", "trigger", "offset_days", "channel", "template_code", "mode", "min_overdue_minor",
             "min_open_minor", "min_days_since_contact", "tags", "cc_buyer", "cc_finance"]
        )  # fmt: skip


class RuleForm(forms.Form):
    priority = forms.IntegerField(
        label=_("Priority"), initial=100, min_value=0, max_value=32767,
        help_text=_("The matching rule with the lowest number wins."), widget=forms.NumberInput(attrs={"size": 5}),
    )  # fmt: skip
    scenario = forms.ModelChoiceField(label=_("Scenario"), queryset=Scenario.objects.none())
    tag = forms.ModelChoiceField(label=_("Tag"), queryset=Tag.objects.none(), required=False)
    country = forms.CharField(
        label=_("Country"), max_length=2, required=False, help_text=_("Two-letter code, e.g. FR."),
        widget=forms.TextInput(attrs={"size": 3}),
    )  # fmt: skip

    def __init__(self, *args: object, company: Company, scenarios: list[Scenario] | None = None,
                 tags: list[Tag] | None = None, **kwargs: object) -> None:  # fmt: skip
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["scenario"].queryset = Scenario.objects.filter(company=company)  # type: ignore[attr-defined]
        self.fields["tag"].queryset = Tag.objects.filter(company=company)  # type: ignore[attr-defined]
        if scenarios is not None:  # already read by the page: no query per form
            self.fields["scenario"].choices = [("", "---------"), *((s.pk, s.name) for s in scenarios)]  # type: ignore[attr-defined]
        if tags is not None:
            self.fields["tag"].choices = [("", "---------"), *((t.pk, t.name) for t in tags)]  # type: ignore[attr-defined]
        self.fields["min_open_minor"] = AmountField(
            currency=company.currency, required=False,
            label=_("Min. open amount (%(currency)s)") % {"currency": company.currency},
        )  # fmt: skip


class TemplateForm(forms.Form):
    language = forms.ChoiceField(choices=[(code, code) for code in LANGUAGES], widget=forms.HiddenInput)
    name = forms.CharField(label=_("Name"), max_length=120)
    subject = forms.CharField(label=_("Subject"), max_length=250, required=False)
    body_source = forms.CharField(label=_("Body (Markdown)"), widget=forms.Textarea(attrs={"rows": 18}))
    body_format = forms.ChoiceField(
        choices=[("markdown", "markdown"), ("html", "html")], initial="markdown", widget=forms.HiddenInput
    )


class NewTemplateForm(forms.Form):
    code = forms.SlugField(
        label=_("Code"), max_length=50, help_text=_("Lower-case letters, digits, - and _: the reference steps use.")
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=TemplateChannel.choices)


class TestSendForm(forms.Form):
    to = forms.EmailField(label=_("Send to"))
    customer = forms.IntegerField(label=_("With the account of"), widget=forms.HiddenInput)
