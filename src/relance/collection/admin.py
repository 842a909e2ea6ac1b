"""Admin for collection: scenarios with their steps inline, statuses, actions and runs."""

from django.contrib import admin

from relance.collection.models import (
    Action,
    ActionItem,
    CollectionRun,
    CollectionSettings,
    CustomerScenario,
    Dispute,
    DisputeComment,
    Promise,
    Scenario,
    ScenarioRule,
    Step,
)


class StepInline(admin.TabularInline):
    model = Step
    extra = 0
    fields = ("order", "trigger", "offset_days", "channel", "mode", "name", "template_code", "min_overdue_minor",
              "min_open_minor", "min_days_since_contact", "tags")  # fmt: skip
    filter_horizontal = ("tags",)


@admin.register(Scenario)
class ScenarioAdmin(admin.ModelAdmin):
    list_display = ("name", "company", "is_default", "is_builtin", "copied_from")
    list_filter = ("company", "is_default", "is_builtin")
    search_fields = ("name", "description")
    inlines = [StepInline]


@admin.register(ScenarioRule)
class ScenarioRuleAdmin(admin.ModelAdmin):
    list_display = ("priority", "company", "scenario", "tag", "country", "min_open_minor")
    list_filter = ("company",)
    autocomplete_fields = ("scenario",)


@admin.register(CustomerScenario)
class CustomerScenarioAdmin(admin.ModelAdmin):
    list_display = ("customer", "scenario")
    search_fields = ("customer__code", "customer__name")
    autocomplete_fields = ("customer", "scenario")


@admin.register(CollectionSettings)
class CollectionSettingsAdmin(admin.ModelAdmin):
    list_display = ("company", "run_time", "send_window_start", "send_window_end", "promise_grace_days", "paused")


@admin.register(Promise)
class PromiseAdmin(admin.ModelAdmin):
    list_display = ("customer", "promised_date", "amount", "currency", "means", "source", "status", "evaluated_on")
    list_filter = ("status", "source", "means", "company")
    search_fields = ("customer__code", "customer__name", "invoices__number", "made_by")
    autocomplete_fields = ("customer",)
    raw_id_fields = ("invoices",)
    date_hierarchy = "promised_date"
    list_select_related = ("customer",)


class DisputeCommentInline(admin.TabularInline):
    model = DisputeComment
    extra = 0


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    list_display = ("customer", "reason", "status", "owner", "opened_on", "resolved_on")
    list_filter = ("status", "reason", "company")
    search_fields = ("customer__code", "customer__name", "invoices__number", "comment")
    autocomplete_fields = ("customer",)
    raw_id_fields = ("invoices",)
    inlines = [DisputeCommentInline]
    list_select_related = ("customer", "owner")


class ActionItemInline(admin.TabularInline):
    model = ActionItem
    extra = 0
    raw_id_fields = ("invoice",)
    readonly_fields = ("invoice", "step", "active")


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ("date", "customer", "channel", "step_label", "status", "priority", "assigned_to")
    list_filter = ("status", "channel", "family", "company")
    search_fields = ("customer__code", "customer__name", "step_label", "items__invoice__number")
    date_hierarchy = "date"
    autocomplete_fields = ("customer",)
    raw_id_fields = ("step", "assigned_to", "promises")
    inlines = [ActionItemInline]
    list_select_related = ("customer", "assigned_to")
    show_full_result_count = False


@admin.register(CollectionRun)
class CollectionRunAdmin(admin.ModelAdmin):
    list_display = ("date", "company", "dry_run", "customers", "created", "cancelled", "promises_kept",
                    "promises_broken", "started_at", "finished_at")  # fmt: skip
    list_filter = ("company", "dry_run")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
