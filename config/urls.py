from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from relance.web.urls import areas as web_areas

urlpatterns = [
    # The admin signs in through the workspace's sign-in (throttled, second factor), never its own form.
    path("admin/login/", RedirectView.as_view(pattern_name="web:login", query_string=True)),
    path("admin/", admin.site.urls),
    path("anymail/", include("relance.messaging.webhooks")),  # e-mail services' delivery webhooks
    path("payments/", include("relance.payments.urls")),  # payment providers' signed notifications
    path("", include("relance.portal.urls")),
    path("", include("relance.web.urls")),
    *web_areas,
]
