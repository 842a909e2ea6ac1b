from django.urls import path

from relance.web.account import views

app_name = "account"
urlpatterns = [
    path("", views.profile, name="profile"),
]
