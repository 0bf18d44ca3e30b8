"""Settings shared by every environment. Every behaviour is switched by an environment
variable (see `.env.example`); nothing machine-specific or secret lives here."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


class StrictEnv(environ.Env):
    """environ.Env whose booleans fail loudly: `DEBUG=flase` must not quietly mean False."""

    TRUE_VALUES = frozenset({"1", "true", "yes", "on", "y", "t"})
    FALSE_VALUES = frozenset({"0", "false", "no", "off", "n", "f", ""})

    def bool(self, var, default=environ.Env.NOTSET):
        if var not in self.ENVIRON:
            if default is environ.Env.NOTSET:
                raise ImproperlyConfigured(f"Set the {var} environment variable.")
            return default
        value = self.ENVIRON[var].strip().lower()
        if value in self.TRUE_VALUES:
            return True
        if value in self.FALSE_VALUES:
            return False
        raise ImproperlyConfigured(f"{var}={self.ENVIRON[var]!r} is not a boolean: use true or false.")


env = StrictEnv()
# A local `.env` file is a convenience for developers; production passes real variables.
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

SECRET_KEY = env("SECRET_KEY", default="insecure-local-only-key-do-not-use-in-production")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "clac",
    "members",
    "networks",
    "communications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "clac.middleware.UserLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "clac.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "clac.urls"
WSGI_APPLICATION = "clac.wsgi.application"
AUTH_USER_MODEL = "clac.User"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "clac.context_processors.navigation",
            ],
        },
    },
]

# An SQLite file under var/ keeps the demo dependency-free; production and CI use PostgreSQL.
# The default is the demo's own file (`make demo`), so `manage.py createsuperuser` or
# `create_api_key` run after it reach the demo's data, not another, empty database.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'demo.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Languages: Spanish first (most members), then English, Portuguese (Brazil) and French (Haiti).
LANGUAGE_CODE = "es"
LANGUAGES = [
    ("es", _("Spanish")),
    ("en", _("English")),
    ("pt-br", _("Portuguese")),
    ("fr", _("French")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_NAME = "clac_language"
TIME_ZONE = env("TIME_ZONE", default="America/Panama")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Django 6.1 configures email through MAILERS (the EMAIL_* settings are deprecated).
MAILERS = {
    "default": {
        "BACKEND": env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"),
        "OPTIONS": {},
    }
}
if MAILERS["default"]["BACKEND"].endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": env("EMAIL_HOST", default="localhost"),
        "port": env.int("EMAIL_PORT", default=25),
        "username": env("EMAIL_HOST_USER", default=""),
        "password": env("EMAIL_HOST_PASSWORD", default=""),
        "use_tls": env.bool("EMAIL_USE_TLS", default=False),
    }
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="CLAC <no-reply@clac-comerciojusto.org>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -------------------------------------------------------------------------------
# Without a broker (the demo), tasks run eagerly in-process so nothing needs Redis.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Late acknowledgement: a task whose worker dies is delivered again; tasks are idempotent.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=300)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=360)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TIMEZONE = TIME_ZONE
# Periodic work: each app declares its entries in its plugin (`beat_schedule`), merged into
# this one at start-up (no database scheduler needed). Keep this for site-specific additions.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "clac.api.authentication.PartnerKeyAuthentication",
        "clac.api.authentication.StaffTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Deny by default: every view names who may use it.
    "DEFAULT_PERMISSION_CLASSES": ["clac.api.permissions.DenyAll"],
    "DEFAULT_PAGINATION_CLASS": "clac.api.pagination.DefaultCursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "clac.api.exceptions.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["clac.api.throttling.PerKeyRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"per_key": env("API_THROTTLE_RATE", default="1000/hour")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CLAC Network API",
    "DESCRIPTION": "The member registry, statistics and indicators of CLAC, for Fairtrade partners "
    "(partner key: `Authorization: Api-Key <key>`) and staff scripts (`Authorization: Token <token>`).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    # Several models call their field "status" (or a language) with different choices.
    "ENUM_NAME_OVERRIDES": {
        "MembershipStatusEnum": "members.models.Membership.Status",
        "DirectoryMembershipStatusEnum": "members.api.directory.DIRECTORY_MEMBERSHIP_STATUS_CHOICES",
        "CertificationStatusEnum": "members.models.Certification.Status",
        "YearlyReportStatusEnum": "members.models.YearlyReport.Status",
        "MeetingStatusEnum": "networks.models.Meeting.Status",
        "FollowUpActionStatusEnum": "networks.models.FollowUpAction.Status",
        "LanguageEnum": "django.conf.settings.LANGUAGES",
        # Several apps name a field "kind" or "role" with different choices: name each set.
        "OrganizationKindEnum": "members.models.Organization.Kind",
        "AffiliationRoleEnum": "members.models.Affiliation.Role",
        "NetworkKindEnum": "networks.models.Network.Kind",
        "BodyKindEnum": "networks.models.Body.Kind",
        "SeatRoleEnum": "networks.models.Seat.Role",
        "AssemblySessionStatusEnum": "networks.models.AssemblySession.Status",
        "DelegateStatusEnum": "networks.models.Delegate.Status",
        "ProductNetworkEnum": "members.models.ProductNetwork",
    },
}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# --- Registry import (members.importing) ---------------------------------------------------
# Write each batch on a second thread while the next is planned (PostgreSQL, real runs only);
# false writes on the importing thread (slower, same result).
IMPORT_PIPELINE = env.bool("IMPORT_PIPELINE", default=True)
# Largest upload accepted, in bytes: the whole registry with its contacts several times over
# (100,000 rows of CSV are about 40 MB); the file is streamed by the job, never read whole.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=100 * 1024 * 1024)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
