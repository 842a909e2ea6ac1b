from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "relance.payments"
    label = "payments"
    verbose_name = "Online payments"
