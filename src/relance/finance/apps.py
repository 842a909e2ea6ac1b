from django.apps import AppConfig


class FinanceConfig(AppConfig):
    name = "relance.finance"
    label = "finance"
    verbose_name = "Finance"
