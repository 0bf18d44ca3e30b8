"""Test settings: hermetic and fast. PostgreSQL and Redis are used when reachable (or named by
DATABASE_URL / REDIS_URL) and required when CI is set; otherwise SQLite and eager tasks."""

import os
import socket

from .base import *  # noqa: F403
from .base import BASE_DIR, env, postgres_without_jit


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


IN_CI = env.bool("CI", default=False)

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": postgres_without_jit(env.db("DATABASE_URL"))}
elif IN_CI or _answers("127.0.0.1", 5432):
    DATABASES = {"default": postgres_without_jit(env.db_url_config("postgres://postgres@127.0.0.1:5432/clac"))}
else:
    DATABASES = {"default": env.db_url_config(f"sqlite:///{BASE_DIR / 'var' / 'test.sqlite3'}")}

# The broker used by integration tests (a real worker over a real Redis); unit tests run
# tasks eagerly. CI requires it.
TEST_REDIS_URL = os.environ.get("REDIS_URL") or (
    "redis://127.0.0.1:6379/15" if (IN_CI or _answers("127.0.0.1", 6379)) else ""
)
REDIS_URL = ""
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = False

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DEBUG = False
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"per_key": "10000/hour"}}  # noqa: F405
# Static files are served by Django's test client finders; WhiteNoise needs collectstatic.
MIDDLEWARE = [m for m in MIDDLEWARE if not m.startswith("whitenoise.")]  # noqa: F405
