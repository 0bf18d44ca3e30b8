"""/healthz: 200 when the database and the broker answer, 503 naming the part that does not."""

import socket

import pytest
from django.db import OperationalError
from django.urls import reverse


def _closed_port() -> int:
    """A local port nothing listens on: bound, then released."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_healthy_without_a_broker_in_eager_mode(client, db, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "not configured"}


def test_unreachable_broker_gives_503_naming_the_broker(client, db, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    settings.CELERY_TASK_ALWAYS_EAGER = False

    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "ok", "broker": "unavailable"}


def test_unreachable_database_gives_503_naming_the_database(client, db, settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = True

    class DownDatabase:
        def cursor(self):
            raise OperationalError("connection refused")

    # Only the health check's view of the database is replaced; the test's own connection works.
    monkeypatch.setattr("clac.health.connection", DownDatabase())
    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"
    assert response.json()["status"] == "error"


@pytest.mark.integration
def test_healthy_with_the_real_redis_broker(client, db, settings, redis_url):
    settings.CELERY_BROKER_URL = redis_url
    settings.CELERY_TASK_ALWAYS_EAGER = False

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_health_answers_get_only_and_is_never_cached(client, db):
    assert client.post(reverse("healthz")).status_code == 405
    assert "no-cache" in client.get(reverse("healthz"))["Cache-Control"]
