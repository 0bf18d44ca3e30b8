"""Fixtures for the integration tests of background work: a real Celery worker (a separate
process, as operators run it) consuming from the real Redis, against the test database."""

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from kombu import Connection

from clac.celery import app as celery_app

WORKER_START_TIMEOUT = 60
JOB_TIMEOUT = 30


def _require(condition: bool, reason: str) -> None:
    """Skip locally when a service is missing; in CI the same gap is a failure."""
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (required because CI is set)")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = getattr(settings, "TEST_REDIS_URL", "")
    _require(bool(url), "No Redis for integration tests: set REDIS_URL or start Redis on 127.0.0.1:6379")
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        _require(False, f"Redis at {url} does not answer: {exc}")
    return url


def _database_url() -> str:
    """The URL of the test database pytest-django created, for the worker process."""
    db = connection.settings_dict
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{quote(db['USER'])}{password}@{host}{port}/{quote(db['NAME'])}"


def start_celery_worker(
    *,
    module: str,
    database_url: str,
    redis_url: str,
    media_root: Path,
    log_path: Path,
    extra_env: dict[str, str] | None = None,
) -> subprocess.Popen:
    """`celery -A clac worker --pool=solo` in a subprocess importing `module` (so its job
    runners exist in the worker); returns once the worker is ready. Its log is at
    worker.log_path (appended to, so a restarted worker's log follows the first's)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "clac.settings.local",
        "DEBUG": "false",
        "DATABASE_URL": database_url,
        "CELERY_BROKER_URL": redis_url,
        "REDIS_URL": redis_url,
        "MEDIA_ROOT": str(media_root),
        "PYTHONPATH": str(settings.BASE_DIR),
        **(extra_env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "clac",
        "worker",
        "--pool=solo",
        "--loglevel=INFO",
        "--without-gossip",
        "--without-mingle",
        f"--hostname=test-{uuid.uuid4().hex[:8]}@%h",
        f"--include={module}",
    ]
    offset = log_path.stat().st_size if log_path.exists() else 0
    with open(log_path, "a") as log:
        worker = subprocess.Popen(  # noqa: S603 - a fixed command line
            command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    worker.log_path = log_path  # type: ignore[attr-defined]
    deadline = time.monotonic() + WORKER_START_TIMEOUT
    while " ready." not in log_path.read_text()[offset:]:
        if worker.poll() is not None or time.monotonic() > deadline:
            stop_celery_worker(worker)
            pytest.fail(f"The Celery worker did not start. Its log:\n{log_path.read_text()[-5000:]}")
        time.sleep(0.1)
    return worker


def stop_celery_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


def purge_queue(redis_url: str) -> None:
    """Messages left by an earlier, interrupted run would name jobs of another database."""
    with Connection(redis_url) as broker:
        broker.default_channel.queue_purge(settings.CELERY_TASK_DEFAULT_QUEUE)


@pytest.fixture(scope="module")
def worker_database_url(django_db_setup, django_db_blocker) -> str:
    with django_db_blocker.unblock():
        vendor = connection.vendor
        database_url = _database_url() if vendor == "postgresql" else ""
    _require(vendor == "postgresql", "The worker process needs the PostgreSQL test database (set DATABASE_URL)")
    return database_url


@pytest.fixture(scope="module")
def celery_worker(
    request: pytest.FixtureRequest, worker_database_url: str, redis_url: str, tmp_path_factory
) -> Iterator[subprocess.Popen]:
    """`celery -A clac worker --pool=solo` in a subprocess, importing the test module that uses
    it (so its job runners exist in the worker). Yields once the worker is ready."""
    purge_queue(redis_url)
    worker = start_celery_worker(
        module=request.module.__name__,
        database_url=worker_database_url,
        redis_url=redis_url,
        media_root=tmp_path_factory.mktemp("media"),
        log_path=tmp_path_factory.mktemp("celery") / "worker.log",
    )
    try:
        yield worker
    finally:
        stop_celery_worker(worker)


@pytest.fixture
def celery_over_redis(redis_url: str) -> Iterator[None]:
    """Make this process send tasks to Redis instead of running them eagerly (the test
    settings' default), and restore that afterwards."""
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=redis_url, task_always_eager=False)
    _forget_broker_connections()
    try:
        yield
    finally:
        celery_app.conf.update(saved)
        _forget_broker_connections()


def _forget_broker_connections() -> None:
    # Celery caches its connection and producer pools per app; they name the old broker.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def wait_for(celery_worker: subprocess.Popen) -> Callable[..., None]:
    """`wait_for(condition, timeout=...)`: poll until `condition()` holds; fail with the
    worker's log when it does not (or when the worker died)."""

    def wait(condition: Callable[[], bool], *, timeout: float = JOB_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if celery_worker.poll() is not None:
                break
            time.sleep(0.1)
        log = Path(celery_worker.log_path).read_text()  # type: ignore[attr-defined]
        state = "exited" if celery_worker.poll() is not None else "running"
        pytest.fail(f"Condition not met within {timeout}s (worker {state}). Worker log:\n{log[-5000:]}")

    return wait
