"""The import page's forms: the upload, and the mapping (one select of the file's headers per field)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from relance.ledger.imports.mapping import field_specs
from relance.ledger.models import ImportKind, ImportMode
from relance.web.imports.services import MAX_UPLOAD_BYTES

FIELD_LABELS = {
    "code": _("Customer code"), "name": _("Name"), "legal_id": _("Registration number"), "vat_id": _("VAT number"),
    "address_line1": _("Address"), "address_line2": _("Address (line 2)"), "postal_code": _("Postal code"),
    "city": _("City"), "country": _("Country"), "language": _("Language"), "currency": _("Currency"),
    "payment_terms_days": _("Payment terms (days)"), "collector": _("Collector"), "tags": _("Tags"),
    "status": _("Status"), "customer_code": _("Customer code"), "external_ref": _("Reference in the ERP"),
    "email": _("E-mail"), "phone": _("Phone"), "roles": _("Roles"), "is_primary": _("Main contact"),
    "number": _("Invoice number"), "customer_name": _("Customer name"), "kind": _("Document type"),
    "issue_date": _("Issue date"), "due_date": _("Due date"), "amount": _("Amount"),
    "open_amount": _("Open amount"), "po_number": _("Purchase order"), "pdf_url": _("PDF link"),
    "settled_date": _("Settled date"), "date": _("Payment date"), "method": _("Payment method"),
    "reference": _("Payment reference"), "invoice_number": _("Invoice paid"),
}  # fmt: skip


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=ImportKind.choices, initial=ImportKind.INVOICES)
    file = forms.FileField(
        label=_("File (CSV or Excel)"),
        help_text=_("CSV (any delimiter and encoding), Excel .xlsx/.xls or OpenDocument .ods; at most %(mb)d MB.")
        % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,.tsv,.xlsx,.xlsm,.xls,.xlsb,.ods"}),
    )


class MappingForm(forms.Form):
    """`col_<field>` selects for each field of the kind, then the import's options."""

    mode = forms.ChoiceField(label=_("Mode"), choices=ImportMode.choices)
    create_customers = forms.BooleanField(
        label=_("Create the customers the file names but Relance does not know"), required=False
    )
    apply_valid_rows = forms.BooleanField(
        label=_("Import the valid rows and skip the bad ones"), required=False,
        help_text=_("By default nothing is imported when any row is bad."),
    )  # fmt: skip

    def __init__(self, *args: Any, kind: str, headers: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        choices = [("", _("— not imported —")), *((h, h) for h in headers if h)]
        self.specs = field_specs(kind)
        for spec in self.specs:
            label = FIELD_LABELS.get(spec.name, spec.name)
            self.fields[f"col_{spec.name}"] = forms.ChoiceField(label=label, choices=choices, required=False)
            self.fields[f"col_{spec.name}"].widget.attrs["data-required"] = "1" if spec.required else "0"
        if kind != ImportKind.INVOICES:
            del self.fields["create_customers"]
            self.fields["mode"].choices = [(ImportMode.DELTA, ImportMode.DELTA.label)]  # type: ignore[attr-defined]

    def mapping_fields(self) -> list[tuple[Any, bool, str]]:
        """(bound select, required, field name) per field of the kind."""
        return [(self[f"col_{spec.name}"], spec.required, spec.name) for spec in self.specs]

    def columns(self) -> dict[str, str]:
        return {spec.name: self.cleaned_data.get(f"col_{spec.name}") or "" for spec in self.specs}
