"""/healthz for load balancers and orchestrators: 200 when the database and the broker answer,
503 naming the part that does not. No authentication and no details of the failure in the
body (it is public); the cause goes to the log."""

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

logger = logging.getLogger(__name__)

OK = "ok"
UNAVAILABLE = "unavailable"
NOT_CONFIGURED = "not configured"
# A probe must answer quickly even when the broker host swallows packets.
BROKER_TIMEOUT_SECONDS = 2


def database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.exception("Health check: the database does not answer.")
        return UNAVAILABLE
    return OK


def broker_status() -> str:
    broker_url = settings.CELERY_BROKER_URL
    # Without a broker, tasks run in the web process (the demo): nothing to reach.
    if not broker_url or settings.CELERY_TASK_ALWAYS_EAGER:
        return NOT_CONFIGURED
    try:
        with Connection(
            broker_url,
            connect_timeout=BROKER_TIMEOUT_SECONDS,
            transport_options={
                "socket_timeout": BROKER_TIMEOUT_SECONDS,
                "socket_connect_timeout": BROKER_TIMEOUT_SECONDS,
            },
        ) as broker:
            # For Redis this opens a channel, which sends a command to the server.
            broker.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception:
        logger.exception("Health check: the broker does not answer.")
        return UNAVAILABLE
    return OK


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": database_status(), "broker": broker_status()}
    healthy = all(value in (OK, NOT_CONFIGURED) for value in checks.values())
    return JsonResponse({"status": OK if healthy else "error", **checks}, status=200 if healthy else 503)
