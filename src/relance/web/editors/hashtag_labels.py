"""The hashtag picker's entries: every hashtag of messaging.hashtags with a label in the UI language."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from relance.messaging.context import sample_context
from relance.messaging.hashtags import HASHTAGS

LABELS: dict[str, Promise] = {
    "customer_name": _("The customer's name"),
    "customer_code": _("The customer's account code"),
    "contact_name": _("The addressee's name (may be empty)"),
    "company_name": _("Your company's name"),
    "collector_name": _("The collector's name"),
    "collector_email": _("The collector's e-mail"),
    "collector_phone": _("The collector's phone"),
    "total_overdue": _("Total overdue"),
    "total_not_due": _("Total not yet due"),
    "total_open": _("Total open (overdue + not due - credits)"),
    "total_overdue_with_penalties": _("Overdue plus penalties"),
    "penalties": _("Late-payment penalties to date"),
    "oldest_due_date": _("The oldest overdue due date"),
    "days_overdue": _("Days overdue of the oldest invoice"),
    "promise_date": _("The promised payment date"),
    "promise_amount": _("The promised amount"),
    "payment_reference": _("The reference to quote on the transfer"),
    "payment_deadline": _("The date by which payment is requested"),
    "dispute_reason": _("The reason of the dispute"),
    "today": _("Today's date"),
    "interactive_page_url": _("The customer's interactive page (link target)"),
    "payment_link": _("Where the customer pays online"),
    "statement_pdf_link": _("The statement as a PDF"),
    "statement_excel_link": _("The statement as an Excel file"),
    "items_overdue": _("Table of overdue items"),
    "items_not_due": _("Table of items not yet due"),
    "items_all": _("Table of every open item"),
    "dispute_items": _("Table of the disputed items"),
    "bank_details": _("Your bank details"),
    "interactive_page_button": _("A button to the customer's interactive page"),
}
KIND_LABELS: dict[str, Promise] = {
    "inline": _("Values"),
    "url": _("Links (use as [text](#name))"),
    "block": _("Blocks (on a line of their own)"),
}


@dataclass(frozen=True)
class PickerEntry:
    name: str
    kind: str
    label: str
    sample: str

    @property
    def insert(self) -> str:
        """What a click inserts: a link for URLs, the block on its own line, else the hashtag."""
        if self.kind == "url":
            return f"[{self.label}](#{self.name})"
        if self.kind == "block":
            return f"\n#{self.name}\n"
        return f"#{self.name}"


def picker_groups(language: str = "en", company_name: str = "") -> list[tuple[str, list[PickerEntry]]]:
    """Hashtags by kind; an inline value's sample is what the preview shows with sample data."""
    context = sample_context(language, company_name=company_name)
    groups: dict[str, list[PickerEntry]] = {kind: [] for kind in KIND_LABELS}
    for tag in HASHTAGS.values():
        label = str(LABELS.get(tag.name, tag.description))
        sample = tag.text(context) if tag.kind == "inline" else tag.sample
        groups.setdefault(tag.kind, []).append(PickerEntry(tag.name, tag.kind, label, sample or "—"))
    return [(str(KIND_LABELS.get(kind, kind)), entries) for kind, entries in groups.items() if entries]
