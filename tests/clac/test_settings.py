"""Settings: every variable documented, production refusing to start without its secrets and
passing Django's deployment checks, Celery's defaults for reliable background work."""

import os
import re
import subprocess
import sys

import pytest
from django.conf import settings

from clac.celery import app as celery_app

SETTINGS_DIR = settings.BASE_DIR / "clac" / "settings"
ENV_READ = re.compile(r"""(?:env(?:\.\w+)?|os\.environ\.get|os\.getenv)\(\s*["']([A-Z][A-Z0-9_]*)["']""")
DUMMY_SECRET_KEY = "ci-only-" + "k3y" * 20


def _database_url() -> str:
    """The test run's own database: Django 6.1's checks of a generated column ask the server its
    version (PostgreSQL 18 has virtual columns), so `check` needs a database that answers."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("postgresql"):
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    return f"sqlite:///{db['NAME']}"


def _production_env(**overrides: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DATABASE_URL",
            "DEBUG",
            "DJANGO_SETTINGS_MODULE",
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(
        DJANGO_SETTINGS_MODULE="clac.settings.production",
        SECRET_KEY=DUMMY_SECRET_KEY,
        ALLOWED_HOSTS="red.example.org",
        DATABASE_URL=_database_url(),
    )
    env.update(overrides)
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - a fixed command line
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_env_example_documents_every_variable_the_settings_read():
    read = set()
    for path in SETTINGS_DIR.glob("*.py"):
        read |= set(ENV_READ.findall(path.read_text()))
    documented = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", (settings.BASE_DIR / ".env.example").read_text(), re.M))

    assert read, "the pattern finds the variables"
    assert read - documented == set()


def test_docker_compose_passes_every_production_variable_to_the_app():
    import yaml

    compose = yaml.safe_load((settings.BASE_DIR / "docker-compose.yml").read_text())
    passed = set(compose["x-app-environment"])
    read = set()
    for path in SETTINGS_DIR.glob("*.py"):
        if path.stem not in {"test", "local"}:
            read |= set(ENV_READ.findall(path.read_text()))

    # DEBUG is forced off in production; CI concerns the test settings only.
    assert read - passed - {"DEBUG", "CI"} == set()
    for service in ("migrate", "web", "worker", "beat"):
        assert compose["services"][service]["environment"]["DATABASE_URL"], service


def test_production_refuses_to_start_without_a_secret_key():
    env = _production_env()
    del env["SECRET_KEY"]

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_settings_pass_the_deployment_checks_without_warnings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stderr


def test_a_malformed_number_fails_loudly():
    result = _manage("check", env=_production_env(SECURE_HSTS_SECONDS="a month"))

    assert result.returncode != 0
    assert "a month" in result.stderr


def test_a_malformed_boolean_fails_loudly():
    result = _manage("check", env=_production_env(SECURE_SSL_REDIRECT="perhaps"))

    assert result.returncode != 0
    assert "SECURE_SSL_REDIRECT='perhaps' is not a boolean" in result.stderr


def test_celery_acknowledges_late_with_time_limits():
    conf = celery_app.conf

    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert 0 < conf.task_soft_time_limit < conf.task_time_limit
    assert conf.worker_prefetch_multiplier == 1


@pytest.mark.parametrize("entry", sorted(celery_app.conf.beat_schedule))
def test_every_beat_entry_names_a_registered_task(entry):
    task_name = celery_app.conf.beat_schedule[entry]["task"]

    assert task_name in celery_app.tasks


def test_the_apps_beat_entries_reach_the_celery_schedule():
    # Declared by the platform's plugin (clac/plugin.py), not in settings.
    assert "jobs-mark-stale" in celery_app.conf.beat_schedule


def test_tasks_run_eagerly_when_no_broker_is_configured():
    env = {key: value for key, value in os.environ.items() if key not in {"REDIS_URL", "CELERY_BROKER_URL"}}
    env["DJANGO_SETTINGS_MODULE"] = "clac.settings.local"
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CELERY_TASK_ALWAYS_EAGER, repr(s.CELERY_BROKER_URL))"
    )

    result = subprocess.run(  # noqa: S603 - a fixed command line
        [sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, check=False
    )

    assert result.stdout.strip() == "True ''", result.stderr


def test_manage_py_without_database_url_uses_the_demos_database_file():
    # After `make demo`, a newcomer's `manage.py createsuperuser` (no DATABASE_URL) must reach
    # the demo's data, not another empty file.
    makefile = (settings.BASE_DIR / "Makefile").read_text()
    demo_file = re.search(r"DEMO_ENV :=.*DATABASE_URL=sqlite:///(\S+)", makefile)
    assert demo_file is not None
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    result = _manage("diffsettings", "--all", env=env)

    assert result.returncode == 0, result.stderr
    assert f"'NAME': '{settings.BASE_DIR / demo_file.group(1)}'" in result.stdout


@pytest.mark.django_db
def test_postgresql_sessions_run_without_the_jit_compiler():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_database_jit_true_leaves_the_compiler_on(monkeypatch):
    from clac.settings.base import postgres_without_jit

    monkeypatch.setenv("DATABASE_JIT", "true")
    assert "OPTIONS" not in postgres_without_jit({"ENGINE": "django.db.backends.postgresql"})
    monkeypatch.setenv("DATABASE_JIT", "false")
    config = postgres_without_jit({"ENGINE": "django.db.backends.postgresql", "OPTIONS": {"options": "-c x=1"}})
    assert config["OPTIONS"]["options"] == "-c x=1 -c jit=off"
