from django.urls import path

from relance.web.company_settings import views

app_name = "company_settings"
urlpatterns = [
    path("", views.index, name="index"),
    path("identity/", views.identity, name="identity"),
    path("logo/", views.logo, name="logo"),
    path("logo/file/", views.logo_file, name="logo_file"),
    path("bank/", views.bank, name="bank"),
    path("penalties/", views.penalties, name="penalties"),
    path("run/", views.run, name="run"),
    path("portal/", views.portal, name="portal"),
    path("mail/", views.mail, name="mail"),
    path("mail/test/", views.mail_test, name="mail_test"),
]
