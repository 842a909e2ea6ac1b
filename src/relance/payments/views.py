"""The providers' webhook: thin, the provider checks the signature and the services do the rest."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from relance.payments.providers import get_provider
from relance.payments.providers.base import NotificationRejected

log = logging.getLogger(__name__)


@csrf_exempt  # the provider signs its notifications; it cannot carry our CSRF token
@require_POST
def notify(request: HttpRequest, provider: str) -> HttpResponse:
    handler = get_provider(provider)
    if handler is None or not handler.accepts_notifications:
        return HttpResponse("unknown provider", status=400, content_type="text/plain")
    try:
        online_payment = handler.handle_notification(request)
    except NotificationRejected as error:
        log.warning("payments: %s notification refused: %s", provider, error)
        return HttpResponse(f"refused: {error.reason}", status=400, content_type="text/plain")
    body = f"ok {online_payment.pk}" if online_payment is not None else "ignored"
    return HttpResponse(body, content_type="text/plain")
