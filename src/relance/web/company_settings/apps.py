from django.apps import AppConfig


class CompanySettingsConfig(AppConfig):
    name = "relance.web.company_settings"
    label = "web_company_settings"
    verbose_name = "Workspace: Settings"
