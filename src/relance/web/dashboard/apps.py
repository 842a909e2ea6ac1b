from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "relance.web.dashboard"
    label = "web_dashboard"
    verbose_name = "Workspace: Dashboard"
