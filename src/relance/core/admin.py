from django.contrib import admin

from relance.core.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("created_at", "code", "company", "customer", "actor_kind", "actor_label")
    list_filter = ("actor_kind", "company")
    search_fields = ("code", "actor_label", "object_id", "customer__code", "customer__name")
    date_hierarchy = "created_at"
    list_select_related = ("company", "customer")
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):  # the trail is written by services only
        return False

    def has_change_permission(self, request, obj=None):
        return False
