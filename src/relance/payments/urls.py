"""Providers' notifications: POST /payments/<provider>/notify/ (signature checked by the provider)."""

from django.urls import path

from relance.payments import views

app_name = "payments"
urlpatterns = [
    path("<slug:provider>/notify/", views.notify, name="notify"),
]
