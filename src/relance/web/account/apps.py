from django.apps import AppConfig


class AccountConfig(AppConfig):
    name = "relance.web.account"
    label = "web_account"
    verbose_name = "Workspace: Account"
