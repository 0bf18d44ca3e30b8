"""/healthz for load balancers and orchestrators: 200 when the database and the broker answer,
503 naming the part that does not. No authentication and no details of the failure in the
body (it is public); the cause goes to the log.

/healthz?deep=1, for operators and monitoring, also says whether a background worker was seen
recently (it ran a job, the beat's sweep, or started) and how long the oldest queued job has
waited; no worker seen is a 503. Plain /healthz stays as cheap as before."""

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
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


def worker_checks() -> dict[str, object]:
    """Whether a worker was seen within JOBS_WORKER_SILENT_AFTER_SECONDS, when it was last
    seen and the oldest queued job's wait (seconds, None when nothing waits)."""
    from clac.jobs import jobs_oldest_queued_age, worker_last_seen, workers_alive

    try:
        alive = workers_alive()
        last_seen = worker_last_seen()
        oldest = jobs_oldest_queued_age()
    except Exception:
        logger.exception("Health check: could not read the workers' heartbeats.")
        return {"worker": UNAVAILABLE}
    now = timezone.now()
    return {
        "worker": NOT_CONFIGURED if alive is None else (OK if alive else "silent"),
        "worker_seen_seconds_ago": None if last_seen is None else int((now - last_seen).total_seconds()),
        "oldest_queued_job_seconds": None if oldest is None else int(oldest.total_seconds()),
    }


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    checks: dict[str, object] = {"database": database_status(), "broker": broker_status()}
    if request.GET.get("deep") and checks["database"] == OK:
        checks.update(worker_checks())
    checked = [checks[name] for name in ("database", "broker", "worker") if name in checks]
    healthy = all(value in (OK, NOT_CONFIGURED) for value in checked)
    return JsonResponse({"status": OK if healthy else "error", **checks}, status=200 if healthy else 503)
