from django.apps import AppConfig


class AgendaConfig(AppConfig):
    name = "relance.web.agenda"
    label = "web_agenda"
    verbose_name = "Workspace: Agenda"
