"""Django admin for the ledger: the administrator's view of every row, fast with 100k customers.

Design:
- Amounts are stored in minor units; the admin shows them formatted in major units with their
  currency (`Money.format`) and edits them in major units (`1234.56`), converting exactly with
  `to_minor` (too many decimals is an error, never a silent rounding).
- Foreign keys use autocomplete widgets, changelists select their relations in the same query and
  skip the unfiltered full count, and no list filter enumerates customers or invoices.
- Forms refuse links across companies (a customer of company A on an invoice of company B).
- Contacts take their company from their customer. Import runs are a read-only record.
- Open and unallocated amounts in the lists are correlated subqueries, evaluated only for the
  rows of the page.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.contrib import admin
from django.db.models import Count, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from relance.core.money import Money, MoneyError, is_known_currency, to_minor
from relance.ledger.models import (
    Allocation,
    Company,
    Contact,
    Customer,
    ImportMapping,
    ImportRun,
    Invoice,
    InvoiceKind,
    Membership,
    Payment,
    Tag,
)
from relance.ledger.selectors import company_today, item_open_amount


def format_money(minor: int | None, currency: str) -> str:
    """`€1,234.56` from 123456 and EUR; the raw figure when the currency is unknown."""
    if minor is None:
        return "-"
    try:
        return Money(int(minor), currency).format("en")
    except MoneyError:
        return f"{minor} {currency} (minor units)"


def _allocated_subquery(field: str) -> Subquery:
    """Sum of the allocations whose `field` (invoice, credit_note or payment) is the outer row."""
    return Subquery(
        Allocation.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(total=Sum("amount"))
        .values("total")[:1]
    )


# --- forms ----------------------------------------------------------------------------------


class LedgerForm(forms.ModelForm):
    """Refuses related rows that belong to another company than the row's own `company`."""

    company_fields: ClassVar[tuple[str, ...]] = ()

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        company = cleaned.get("company")
        if company is None:
            return cleaned
        for name in self.company_fields:
            value = cleaned.get(name)
            if value is None:
                continue
            related = list(value) if isinstance(value, QuerySet) else [value]
            if any(obj.company_id != company.pk for obj in related):
                self.add_error(name, f"Must belong to the company {company}.")
        return cleaned


class MajorUnitsAmountForm(LedgerForm):
    """Shows and takes `amount` in major units (1234.56) and stores minor units (123456)."""

    amount = forms.DecimalField(
        max_digits=20, decimal_places=3, help_text="In major units of the currency, e.g. 1234.56 for €1,234.56."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None and self.instance.amount is not None:
            currency = self.instance_currency()
            if currency and is_known_currency(currency):
                self.initial["amount"] = Money(int(self.instance.amount), currency).amount

    def instance_currency(self) -> str | None:
        return getattr(self.instance, "currency", None)

    def amount_currency(self, cleaned: dict[str, Any]) -> str | None:
        return cleaned.get("currency")

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        value: Decimal | None = cleaned.get("amount")
        if value is None:
            return cleaned
        currency = self.amount_currency(cleaned)
        if not currency or not is_known_currency(currency):
            cleaned.pop("amount")
            if not self.errors:
                self.add_error("amount", "The amount needs a valid currency.")
            return cleaned
        try:
            cleaned["amount"] = to_minor(value, currency)
        except MoneyError as exc:
            self.add_error("amount", str(exc))
        return cleaned


class CustomerForm(LedgerForm):
    company_fields = ("tags",)


class InvoiceForm(MajorUnitsAmountForm):
    company_fields = ("customer",)


class PaymentForm(MajorUnitsAmountForm):
    company_fields = ("customer",)


class AllocationForm(MajorUnitsAmountForm):
    company_fields = ("invoice", "payment", "credit_note")

    def instance_currency(self) -> str | None:
        source = self.instance.invoice or self.instance.credit_note or self.instance.payment
        return source.currency if source is not None else None

    def amount_currency(self, cleaned: dict[str, Any]) -> str | None:
        source = cleaned.get("invoice") or cleaned.get("credit_note") or cleaned.get("payment")
        return source.currency if source is not None else None

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        invoice, credit_note, payment = cleaned.get("invoice"), cleaned.get("credit_note"), cleaned.get("payment")
        if invoice is not None and invoice.kind == InvoiceKind.CREDIT_NOTE:
            self.add_error("invoice", "Pick an invoice or a debit note; a credit note goes in 'credit note'.")
        if credit_note is not None and credit_note.kind != InvoiceKind.CREDIT_NOTE:
            self.add_error("credit_note", "This is not a credit note.")
        currencies = {item.currency for item in (invoice, credit_note, payment) if item is not None}
        if len(currencies) > 1:
            self.add_error(None, f"The items are in different currencies ({', '.join(sorted(currencies))}).")
        return cleaned


class ContactInlineFormSet(forms.BaseInlineFormSet):
    """Contacts belong to their customer's company."""

    def save_new(self, form: forms.ModelForm, commit: bool = True) -> Contact:
        form.instance.company_id = self.instance.company_id
        return super().save_new(form, commit=commit)

    def save_existing(self, form: forms.ModelForm, obj: Contact, commit: bool = True) -> Contact:
        obj.company_id = self.instance.company_id
        return super().save_existing(form, obj, commit=commit)


class TagNameFilter(admin.SimpleListFilter):
    """Customers by tag name, across companies (the related-field filter would list each company's tag)."""

    title = "tag"
    parameter_name = "tag"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        names = Tag.objects.order_by("name").values_list("name", flat=True).distinct()
        return [(name, name) for name in names]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Customer]) -> QuerySet[Customer]:
        value = self.value()
        return queryset.filter(tags__name=value) if value else queryset


# --- inlines ----------------------------------------------------------------------------------


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ("user",)


class TagInline(admin.TabularInline):
    model = Tag
    extra = 0


class ContactInline(admin.TabularInline):
    model = Contact
    formset = ContactInlineFormSet
    extra = 0
    fields = (
        "name",
        "email",
        "phone",
        "is_accounts_payable",
        "is_buyer",
        "is_finance",
        "is_other",
        "language",
        "is_primary",
        "external_ref",
    )


class ReadOnlyAllocationInline(admin.TabularInline):
    """The allocations of a payment or an invoice, for reading; they are edited on their own page."""

    model = Allocation
    extra = 0
    can_delete = False
    show_change_link = True
    fields = ("date", "kind", "invoice", "payment", "credit_note", "amount_display", "note")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Allocation]:
        return super().get_queryset(request).select_related("invoice", "payment", "credit_note")

    @admin.display(description="Amount")
    def amount_display(self, obj: Allocation) -> str:
        source = obj.invoice or obj.credit_note or obj.payment
        return format_money(obj.amount, source.currency) if source is not None else str(obj.amount)


class InvoiceAllocationInline(ReadOnlyAllocationInline):
    fk_name = "invoice"
    verbose_name_plural = "Allocations to this invoice"


class CreditNoteAllocationInline(ReadOnlyAllocationInline):
    fk_name = "credit_note"
    verbose_name_plural = "Uses of this credit note"


class PaymentAllocationInline(ReadOnlyAllocationInline):
    fk_name = "payment"
    verbose_name_plural = "Allocations of this payment"


# --- companies, members, tags -------------------------------------------------------------------


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "legal_id", "vat_id", "city", "country", "currency", "language", "iban", "customer_count")
    list_filter = ("country", "currency", "language")
    search_fields = ("name", "legal_name", "legal_id", "vat_id", "city", "iban")
    readonly_fields = ("created_at",)
    inlines = (MembershipInline, TagInline)
    fieldsets = (
        (None, {"fields": ("name", "legal_name", "legal_id", "vat_id")}),
        ("Address", {"fields": ("address_line1", "address_line2", "postal_code", "city", "country")}),
        ("Defaults", {"fields": ("currency", "timezone", "language", "default_payment_terms_days")}),
        ("Contact and documents", {"fields": ("email", "phone", "website", "logo")}),
        ("Bank details", {"fields": ("iban", "bic")}),
        (None, {"fields": ("created_at",)}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Company]:
        customers = Customer.objects.filter(company=OuterRef("pk")).order_by().values("company")
        count = Subquery(customers.annotate(n=Count("pk")).values("n")[:1])
        return super().get_queryset(request).annotate(customer_total=Coalesce(count, Value(0)))

    @admin.display(description="Customers", ordering="customer_total")
    def customer_count(self, obj: Company) -> int:
        return obj.customer_total  # type: ignore[attr-defined]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "company", "role", "sees_all_customers")
    list_filter = ("role", "sees_all_customers", "company")
    search_fields = ("user__username", "user__first_name", "user__last_name", "user__email", "company__name")
    list_select_related = ("user", "company")
    autocomplete_fields = ("user", "company")


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "company", "customer_count")
    list_filter = ("company",)
    search_fields = ("name", "company__name")
    list_select_related = ("company",)
    autocomplete_fields = ("company",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tag]:
        return super().get_queryset(request).annotate(customer_total=Count("customers"))

    @admin.display(description="Customers", ordering="customer_total")
    def customer_count(self, obj: Tag) -> int:
        return obj.customer_total  # type: ignore[attr-defined]


# --- customers and contacts ---------------------------------------------------------------------


@admin.register(Customer)
class CustomerAdmin(admin.ModelAdmin):
    form = CustomerForm
    list_display = (
        "code",
        "name",
        "company",
        "city",
        "country",
        "language",
        "billing_currency",
        "status",
        "collector",
        "tag_names",
    )
    list_filter = ("status", "company", "language", TagNameFilter, "collector", "country")
    search_fields = ("code", "name", "legal_id", "vat_id", "city", "postal_code", "contacts__email", "contacts__name")
    list_select_related = ("company", "collector")
    autocomplete_fields = ("company", "collector", "tags")
    readonly_fields = ("ledger_links", "created_at", "updated_at")
    inlines = (ContactInline,)
    show_full_result_count = False
    fieldsets = (
        (None, {"fields": ("company", "code", "name", "status", "collector", "tags", "ledger_links")}),
        (
            "Identity and address",
            {"fields": ("legal_id", "vat_id", "address_line1", "address_line2", "postal_code", "city", "country")},
        ),
        ("Terms", {"fields": ("language", "currency", "payment_terms_days")}),
        (None, {"fields": ("created_at", "updated_at")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        return super().get_queryset(request).prefetch_related("tags")

    @admin.display(description="Currency")
    def billing_currency(self, obj: Customer) -> str:
        return obj.currency or obj.company.currency

    @admin.display(description="Tags")
    def tag_names(self, obj: Customer) -> str:
        return ", ".join(tag.name for tag in obj.tags.all())

    @admin.display(description="Ledger")
    def ledger_links(self, obj: Customer) -> str:
        if obj.pk is None:
            return "-"
        links = [
            (reverse("admin:ledger_invoice_changelist"), obj.pk, "Invoices and credit notes"),
            (reverse("admin:ledger_payment_changelist"), obj.pk, "Payments"),
        ]
        return format_html_join(" · ", '<a href="{}?customer__id__exact={}">{}</a>', links)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = (
        "__str__",
        "email",
        "phone",
        "customer",
        "is_accounts_payable",
        "is_buyer",
        "is_finance",
        "is_primary",
        "company",
    )
    list_filter = ("is_accounts_payable", "is_buyer", "is_finance", "is_primary", "company")
    search_fields = ("name", "email", "phone", "external_ref", "customer__code", "customer__name")
    list_select_related = ("customer", "company")
    autocomplete_fields = ("customer",)
    exclude = ("company",)
    show_full_result_count = False

    def save_model(self, request: HttpRequest, obj: Contact, form: forms.ModelForm, change: bool) -> None:
        obj.company_id = obj.customer.company_id  # a contact always belongs to its customer's company
        super().save_model(request, obj, form, change)


# --- open items ---------------------------------------------------------------------------------


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin):
    form = InvoiceForm
    list_display = (
        "number",
        "kind",
        "customer",
        "issue_date",
        "due_date",
        "amount_display",
        "open_display",
        "po_number",
        "company",
    )
    list_filter = ("kind", "currency", "company")
    search_fields = ("number", "po_number", "customer__code", "customer__name")
    list_select_related = ("customer", "company")
    autocomplete_fields = ("company", "customer")
    date_hierarchy = "due_date"
    readonly_fields = ("open_today", "created_at", "updated_at")
    inlines = (InvoiceAllocationInline, CreditNoteAllocationInline)

    def get_inlines(self, request: HttpRequest, obj: Invoice | None) -> list[type[admin.options.InlineModelAdmin]]:
        """An invoice shows what paid it down; a credit note shows where it was used."""
        if obj is None:
            return []
        return [CreditNoteAllocationInline if obj.kind == InvoiceKind.CREDIT_NOTE else InvoiceAllocationInline]

    show_full_result_count = False
    fields = (
        "company",
        "customer",
        "kind",
        "number",
        "issue_date",
        "due_date",
        "amount",
        "currency",
        "open_today",
        "po_number",
        "pdf",
        "pdf_url",
        "created_at",
        "updated_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Invoice]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                allocated_to=Coalesce(_allocated_subquery("invoice"), Value(0)),
                used=Coalesce(_allocated_subquery("credit_note"), Value(0)),
            )
        )

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Invoice], search_term: str
    ) -> tuple[QuerySet[Invoice], bool]:
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("model_name") == "allocation":  # autocomplete on the allocation form
            field = request.GET.get("field_name")
            if field == "credit_note":
                queryset = queryset.filter(kind=InvoiceKind.CREDIT_NOTE)
            elif field == "invoice":
                queryset = queryset.exclude(kind=InvoiceKind.CREDIT_NOTE)
        return queryset, may_have_duplicates

    @admin.display(description="Amount", ordering="amount")
    def amount_display(self, obj: Invoice) -> str:
        return format_money(obj.amount, obj.currency)

    @admin.display(description="Open")
    def open_display(self, obj: Invoice) -> str:
        """What is still owed (invoice) or still to use (credit note), after every recorded allocation."""
        allocated = obj.used if obj.kind == InvoiceKind.CREDIT_NOTE else obj.allocated_to  # type: ignore[attr-defined]
        return format_money(obj.amount - allocated, obj.currency)

    @admin.display(description="Open today")
    def open_today(self, obj: Invoice) -> str:
        if obj.pk is None:
            return "-"
        today = company_today(obj.company)
        return f"{item_open_amount(invoice=obj, as_of=today).format('en')} on {today.isoformat()}"


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    form = PaymentForm
    list_display = (
        "external_ref",
        "date",
        "customer",
        "amount_display",
        "unallocated_display",
        "method",
        "reference",
        "company",
    )
    list_filter = ("method", "currency", "company")
    search_fields = ("external_ref", "reference", "customer__code", "customer__name")
    list_select_related = ("customer", "company")
    autocomplete_fields = ("company", "customer")
    date_hierarchy = "date"
    readonly_fields = ("created_at",)
    inlines = (PaymentAllocationInline,)
    show_full_result_count = False
    fields = ("company", "customer", "external_ref", "date", "amount", "currency", "method", "reference", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Payment]:
        return (
            super()
            .get_queryset(request)
            .annotate(unallocated=F("amount") - Coalesce(_allocated_subquery("payment"), Value(0)))
        )

    @admin.display(description="Amount", ordering="amount")
    def amount_display(self, obj: Payment) -> str:
        return format_money(obj.amount, obj.currency)

    @admin.display(description="Unallocated", ordering="unallocated")
    def unallocated_display(self, obj: Payment) -> str:
        return format_money(obj.unallocated, obj.currency)  # type: ignore[attr-defined]


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
    form = AllocationForm
    list_display = ("date", "kind", "invoice", "payment", "credit_note", "amount_display", "customer", "note")
    list_filter = ("kind", "company")
    search_fields = (
        "invoice__number",
        "payment__external_ref",
        "credit_note__number",
        "note",
        "invoice__customer__code",
        "invoice__customer__name",
    )
    list_select_related = ("invoice__customer", "payment", "credit_note__customer")
    autocomplete_fields = ("company", "invoice", "payment", "credit_note")
    date_hierarchy = "date"
    readonly_fields = ("created_at",)
    show_full_result_count = False
    fields = ("company", "kind", "invoice", "payment", "credit_note", "amount", "date", "note", "created_at")

    @admin.display(description="Amount", ordering="amount")
    def amount_display(self, obj: Allocation) -> str:
        source = obj.invoice or obj.credit_note or obj.payment
        return format_money(obj.amount, source.currency) if source is not None else str(obj.amount)

    @admin.display(description="Customer")
    def customer(self, obj: Allocation) -> str:
        item = obj.invoice or obj.credit_note
        return str(item.customer) if item is not None else "-"


# --- imports ------------------------------------------------------------------------------------


@admin.register(ImportMapping)
class ImportMappingAdmin(admin.ModelAdmin):
    list_display = ("company", "kind", "updated_at")
    list_filter = ("kind", "company")
    search_fields = ("company__name", "kind")
    list_select_related = ("company",)
    autocomplete_fields = ("company",)
    readonly_fields = ("updated_at",)


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    """The history of imports: read-only, it is written by the import service only."""

    list_display = (
        "started_at",
        "kind",
        "mode",
        "file_name",
        "status",
        "rows",
        "created",
        "updated",
        "unchanged",
        "closed",
        "error_count",
        "company",
    )
    list_filter = ("status", "kind", "mode", "company")
    search_fields = ("file_name", "file_sha256", "actor_label")
    list_select_related = ("company",)
    date_hierarchy = "started_at"
    readonly_fields = (
        "company",
        "kind",
        "mode",
        "file_name",
        "file_sha256",
        "status",
        "as_of",
        "actor_label",
        "started_at",
        "finished_at",
        "rows",
        "created",
        "updated",
        "unchanged",
        "closed",
        "error_count",
        "error_list",
    )
    exclude = ("errors",)
    show_full_result_count = False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="Errors")
    def error_list(self, obj: ImportRun) -> str:
        errors = obj.errors if isinstance(obj.errors, list) else []
        if not errors:
            return "-"
        rows = [
            (str(e.get("row", "")), str(e.get("column", "")), str(e.get("reason", e)))
            if isinstance(e, dict)
            else ("", "", str(e))
            for e in errors
        ]
        body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
        return format_html("<table><tr><th>Row</th><th>Column</th><th>Reason</th></tr>{}</table>", body)
