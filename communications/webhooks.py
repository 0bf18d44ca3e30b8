"""What the providers report about the messages they sent, through authenticated webhooks.

- Email ESPs (django-anymail): anymail parses each ESP's tracking webhook and sends the
  `anymail.signals.tracking` signal; `anymail_tracking` records the event. Anymail checks the
  basic auth of ANYMAIL["WEBHOOK_SECRET"]; `email_webhook_guard` also refuses every request
  while no secret is configured (anymail alone would accept them with a warning) and answers
  401 instead of anymail's 400.
- Twilio (SMS, WhatsApp): `twilio_status` checks Twilio's request signature (X-Twilio-Signature,
  HMAC of the URL and the form with the auth token) before it records anything.
"""

import logging

from django.conf import settings
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import constant_time_compare
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from communications.services.outbox import DeliveryEvent, message_event_record

logger = logging.getLogger(__name__)

# anymail's normalized event types → ours (the others, e.g. "queued" or "deferred", are ignored).
ANYMAIL_EVENTS = {
    "delivered": DeliveryEvent.DELIVERED,
    "bounced": DeliveryEvent.BOUNCED,
    "complained": DeliveryEvent.COMPLAINED,
    "rejected": DeliveryEvent.FAILED,
    "failed": DeliveryEvent.FAILED,
    "opened": DeliveryEvent.OPENED,
    "clicked": DeliveryEvent.CLICKED,
    "unsubscribed": DeliveryEvent.UNSUBSCRIBED,
}

# Twilio's MessageStatus → ours. An undelivered or failed message whose error code says the
# number cannot receive it counts as a hard bounce (the address is suppressed).
TWILIO_STATUSES = {"delivered": DeliveryEvent.DELIVERED, "read": DeliveryEvent.OPENED}
TWILIO_FAILED = {"undelivered", "failed"}
TWILIO_HARD_BOUNCE_CODES = {"30003", "30005", "30006", "63024"}
TWILIO_UNSUBSCRIBED_CODES = {"21610"}


def _unauthorized() -> HttpResponse:
    response = HttpResponse("Unauthorized", status=401, content_type="text/plain")
    response["WWW-Authenticate"] = 'Basic realm="webhooks"'
    return response


def email_webhook_guard(view):
    """Wrap an anymail webhook view: no configured secret, or the wrong basic auth → 401."""

    @csrf_exempt
    def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        from anymail.utils import get_request_basic_auth

        secret = settings.ANYMAIL.get("WEBHOOK_SECRET") or ""
        secrets = [secret] if isinstance(secret, str) else list(secret)
        secrets = [value for value in secrets if value]
        given = get_request_basic_auth(request)
        if not secrets or given is None or not any(constant_time_compare(given, value) for value in secrets):
            return _unauthorized()
        return view(request, *args, **kwargs)

    return guarded


def anymail_tracking(sender, event, esp_name, **kwargs) -> None:
    ours = ANYMAIL_EVENTS.get(event.event_type)
    if ours is None or not event.message_id:
        return
    detail = event.description or event.reject_reason or event.mta_response or ""
    found = message_event_record(provider_id=str(event.message_id), event=ours, detail=str(detail), at=event.timestamp)
    if found is None:
        logger.info("%s reported %s for an unknown message %s.", esp_name, event.event_type, event.message_id)


def tracking_receiver_connect() -> None:
    from anymail.signals import tracking

    receiver(tracking, dispatch_uid="communications.anymail_tracking")(anymail_tracking)


def _twilio_signature_valid(request: HttpRequest) -> bool:
    from twilio.request_validator import RequestValidator

    token = settings.TWILIO_AUTH_TOKEN
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    # The URL Twilio called: the site's public address (behind proxies the request's own host
    # may differ).
    url = f"{settings.SITE_URL}{request.get_full_path()}"
    return bool(RequestValidator(token).validate(url, request.POST.dict(), signature))


@csrf_exempt
@require_POST
def twilio_status(request: HttpRequest) -> HttpResponse:
    """Twilio's status callback for an SMS or WhatsApp message."""
    if not _twilio_signature_valid(request):
        return HttpResponse("Forbidden", status=403, content_type="text/plain")
    sid = request.POST.get("MessageSid", "")
    status = request.POST.get("MessageStatus", "")
    code = request.POST.get("ErrorCode", "")
    event = TWILIO_STATUSES.get(status)
    if status in TWILIO_FAILED:
        event = DeliveryEvent.FAILED
        if code in TWILIO_HARD_BOUNCE_CODES:
            event = DeliveryEvent.BOUNCED
        elif code in TWILIO_UNSUBSCRIBED_CODES:
            event = DeliveryEvent.UNSUBSCRIBED
    if sid and event:
        detail = f"Twilio {status} {code}".strip()
        message_event_record(provider_id=sid, event=event, detail=detail)
    return HttpResponse(status=204)
