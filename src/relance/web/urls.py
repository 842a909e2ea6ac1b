from django.contrib.auth import views as auth_views
from django.urls import include, path

from relance.web import views
from relance.web.account import auth as account_auth  # the sign-in is the account area's

app_name = "web"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", account_auth.login_view, name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="web:login"), name="logout"),
    path("workspace/company/", views.switch_company, name="switch_company"),
]

# The workspace's areas, each a small app with its own views, templates and translations.
areas = [
    path("agenda/", include("relance.web.agenda.urls")),
    path("customers/", include("relance.web.customers.urls")),
    path("dashboard/", include("relance.web.dashboard.urls")),
    path("editors/", include("relance.web.editors.urls")),
    path("settings/", include("relance.web.company_settings.urls")),
    path("import/", include("relance.web.imports.urls")),
    path("account/", include("relance.web.account.urls")),
]
