from django.urls import path

from relance.web.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.list, name="list"),
]
