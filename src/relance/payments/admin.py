from django.contrib import admin

from relance.payments.models import OnlinePayment


@admin.register(OnlinePayment)
class OnlinePaymentAdmin(admin.ModelAdmin):
    """Read-only: rows change through the provider's notifications and the services only."""

    list_display = ["id", "company", "customer", "provider", "amount", "currency", "status", "created_at"]
    list_filter = ["provider", "status"]
    search_fields = ["provider_reference", "customer__code", "customer__name"]
    readonly_fields = [f.name for f in OnlinePayment._meta.fields]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False
