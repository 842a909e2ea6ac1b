from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "relance.web.imports"
    label = "web_imports"
    verbose_name = "Workspace: Import"
