"""Settings for benchmark runs: the production-like base settings on the benchmark database,
without the network services a benchmark must not depend on (mail, broker, shared cache)."""

import warnings

from clac.settings.base import *  # noqa: F403
from clac.settings.base import REST_FRAMEWORK, env, postgres_without_jit

DATABASES = {"default": postgres_without_jit(env.db("DATABASE_URL"))}
DEBUG = False
# django.test.Client calls the API as "testserver".
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
CELERY_BROKER_URL = "memory://"
CELERY_TASK_ALWAYS_EAGER = True
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The API benchmark sends a few hundred requests with one key.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"per_key": "1000000/hour"}}
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
# Static files are not collected for a benchmark; WhiteNoise would warn about the empty folder.
warnings.filterwarnings("ignore", message="No directory at")
