from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "relance.web.customers"
    label = "web_customers"
    verbose_name = "Workspace: Customers"
