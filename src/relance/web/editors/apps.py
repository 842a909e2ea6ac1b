from django.apps import AppConfig


class EditorsConfig(AppConfig):
    name = "relance.web.editors"
    label = "web_editors"
    verbose_name = "Workspace: scenario and template editors"
