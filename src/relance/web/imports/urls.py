from django.urls import path

from relance.web.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
]
