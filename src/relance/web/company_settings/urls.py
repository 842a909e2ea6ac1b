from django.urls import path

from relance.web.company_settings import views

app_name = "company_settings"
urlpatterns = [
    path("", views.index, name="index"),
]
