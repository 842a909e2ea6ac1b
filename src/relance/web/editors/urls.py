from django.urls import path

from relance.web.editors import template_views, views

app_name = "editors"
urlpatterns = [
    path("", views.scenarios, name="scenarios"),
    path("scenarios/new/", views.scenario_new, name="scenario_new"),
    path("scenarios/<int:pk>/", views.scenario_detail, name="scenario"),
    path("scenarios/<int:pk>/edit/", views.scenario_edit, name="scenario_edit"),
    path("scenarios/<int:pk>/copy/", views.scenario_copy_view, name="scenario_copy"),
    path("scenarios/<int:pk>/default/", views.scenario_default, name="scenario_default"),
    path("scenarios/<int:pk>/delete/", views.scenario_delete_view, name="scenario_delete"),
    path("scenarios/<int:pk>/steps/", views.steps_section, name="steps"),
    path("scenarios/<int:pk>/steps/new/", views.step_add, name="step_add"),
    path("scenarios/<int:pk>/steps/<int:step_id>/", views.step_edit, name="step_edit"),
    path("scenarios/<int:pk>/steps/<int:step_id>/delete/", views.step_remove, name="step_delete"),
    path("scenarios/<int:pk>/steps/<int:step_id>/move/", views.step_reorder, name="step_move"),
    path("scenarios/<int:pk>/calendar/", views.scenario_calendar, name="calendar"),
    path("rules/new/", views.rule_edit, name="rule_new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", views.rule_delete_view, name="rule_delete"),
    path("customers/search/", views.customer_search, name="customer_search"),
    path("templates/", template_views.templates, name="templates"),
    path("templates/new/", template_views.template_new, name="template_new"),
    path("templates/<str:channel>/<slug:code>/", template_views.template_edit, name="template"),
    path("templates/<str:channel>/<slug:code>/preview/", template_views.template_preview_view, name="template_preview"),
    path("templates/<str:channel>/<slug:code>/variant/", template_views.template_variant, name="template_variant"),
    path("templates/<str:channel>/<slug:code>/reset/", template_views.template_reset, name="template_reset"),
    path("templates/<str:channel>/<slug:code>/test/", template_views.template_test, name="template_test"),
]
