from django.contrib import admin
from django.urls import include, path

from relance.web.urls import areas as web_areas

urlpatterns = [
    path("admin/", admin.site.urls),
    path("anymail/", include("relance.messaging.webhooks")),  # e-mail services' delivery webhooks
    path("payments/", include("relance.payments.urls")),  # payment providers' signed notifications
    path("", include("relance.portal.urls")),
    path("", include("relance.web.urls")),
    *web_areas,
]
