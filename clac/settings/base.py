"""Settings shared by every environment. Every behaviour is switched by an environment
variable (see `.env.example`); nothing machine-specific or secret lives here."""

import datetime
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
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
    # Accounts hardening (accauth): login lockout, second factor.
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    # Partner countries (country): ISO codes and their names translated by its own catalogues.
    "django_countries",
    "clac",
    "members",
    "networks",
    "finance",
    "communications",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "clac.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "clac.middleware.UserLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "clac.middleware.ApiLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "clac.auth.middleware.AccountSecurityMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a lockout into the 429 page.
    "axes.middleware.AxesMiddleware",
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
                "django.template.context_processors.csp",
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


def postgres_without_jit(config: dict) -> dict:
    """PostgreSQL's JIT compiler wakes up on the estimated cost of the audience and ledger
    aggregates and spends longer compiling (0.5 s seen) than the queries take to run; web pages
    and tasks here are short queries, so it is off unless DATABASE_JIT=true. Every settings
    module passes its database through this."""
    if config.get("ENGINE") == "django.db.backends.postgresql" and not env.bool("DATABASE_JIT", default=False):
        options = config.setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c jit=off".strip()
    return config


postgres_without_jit(DATABASES["default"])
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
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out account or address before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# --- Security headers (every environment; production adds HSTS and secure cookies) ---------
# A strict Content-Security-Policy (OWASP ASVS 3.4.3): only our own origin, no inline script
# or style (templates use classes in static/css and scripts in static/js; a template that
# truly needs an inline block adds nonce="{{ csp_nonce }}"), no plugins, no framing, forms
# post only to us. `data:` images: the API docs' stylesheet draws its icons with them.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
# Sent by clac.middleware.PermissionsPolicyMiddleware (Django has no setting for it): the
# browser features no page of ours uses are switched off for us and anything we embed.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}

LOGIN_URL = "login"
# Where the site is served, for links that leave it (the unsubscribe link of a campaign).
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
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
# --- Background jobs: every timing in one place (docs/operations.md "Background jobs") --------
# A job's task may run this long (soft: SoftTimeLimitExceeded, recorded on the job; hard: the
# pool child is killed). The worker's compose stop_grace_period (docker-compose.yml) is longer
# than the hard limit, so `docker compose stop` lets a running job finish.
JOBS_SOFT_TIME_LIMIT = env.int("JOBS_SOFT_TIME_LIMIT", default=50 * 60)
JOBS_TIME_LIMIT = env.int("JOBS_TIME_LIMIT", default=55 * 60)
# Redis hands an unacknowledged message to another worker after this long; longer than the
# hard limit so a job still running is never delivered twice (the claim would drop it anyway).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # A broker that swallows packets must not hang a web request that sends a job.
    "socket_connect_timeout": 5,
}
# A running job writes its heartbeat this often (seconds), in a thread of its own.
JOBS_HEARTBEAT_SECONDS = env.int("JOBS_HEARTBEAT_SECONDS", default=30)
# A running job whose heartbeat is older than this lost its worker (kill -9, out of memory,
# the machine stopped): the sweep re-queues it (resumable kinds) or fails it (the others).
JOBS_STALE_AFTER_SECONDS = env.int("JOBS_STALE_AFTER_SECONDS", default=180)
# How many times a resumable job is started before it is failed for good.
JOBS_MAX_ATTEMPTS = env.int("JOBS_MAX_ATTEMPTS", default=3)
# The beat runs the sweep and the outbox relay this often (seconds).
JOBS_SWEEP_SECONDS = env.int("JOBS_SWEEP_SECONDS", default=60)
# A job sent this long ago that no worker has claimed is sent again (its message may have
# been lost with a broker that restarted without persistence); the claim ignores the extra.
JOBS_RESEND_AFTER_SECONDS = env.int("JOBS_RESEND_AFTER_SECONDS", default=15 * 60)
# A job never started for this long is failed (no worker for a day).
JOBS_QUEUED_EXPIRE_SECONDS = env.int("JOBS_QUEUED_EXPIRE_SECONDS", default=24 * 3600)
# /healthz?deep=1 and the jobs page say "no worker" when none was seen for this long.
JOBS_WORKER_SILENT_AFTER_SECONDS = env.int("JOBS_WORKER_SILENT_AFTER_SECONDS", default=5 * 60)
# Deliberately False (Celery 6 will default to True): when the broker connection drops, a
# running job keeps running; its work is in PostgreSQL, not in the broker. Its late
# acknowledgement may then be lost and the message delivered again: the claim ignores it.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
# A worker that loses the broker keeps trying to reconnect (forever) instead of exiting.
CELERY_BROKER_CONNECTION_RETRY = True
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TIMEZONE = TIME_ZONE
# Periodic work: each app declares its entries in its plugin (`beat_schedule`), merged into
# this one at start-up (no database scheduler needed). Keep this for site-specific additions.
CELERY_BEAT_SCHEDULE: dict[str, dict] = {}

# --- Campaign sending (communications outbox): docs/operations.md "Campaign sending" -------
# Campaign email goes through this MAILERS entry: "default" unless CAMPAIGN_EMAIL_BACKEND names
# another backend (e.g. an ESP through django-anymail: "anymail.backends.mailgun.EmailBackend").
CAMPAIGN_EMAIL_BACKEND = env("CAMPAIGN_EMAIL_BACKEND", default="")
if CAMPAIGN_EMAIL_BACKEND:
    MAILERS["campaigns"] = {"BACKEND": CAMPAIGN_EMAIL_BACKEND, "OPTIONS": {}}
OUTBOX_EMAIL_MAILER = "campaigns" if CAMPAIGN_EMAIL_BACKEND else "default"
ANYMAIL = {
    # The ESP's credentials by anymail's own names (e.g. MAILGUN_API_KEY) in the environment.
    **{key: env(f"ANYMAIL_{key}") for key in env.list("ANYMAIL_SETTINGS", default=[])},
    # Basic auth "user:password" that the ESP's webhooks must present (empty: they are refused).
    "WEBHOOK_SECRET": env("ANYMAIL_WEBHOOK_SECRET", default=""),
}
# SMS and WhatsApp: "console" (prints them: development) or "twilio".
OUTBOX_SMS_PROVIDER = env("OUTBOX_SMS_PROVIDER", default="console")
OUTBOX_WHATSAPP_PROVIDER = env("OUTBOX_WHATSAPP_PROVIDER", default="console")
TWILIO_ACCOUNT_SID = env("TWILIO_ACCOUNT_SID", default="")
TWILIO_AUTH_TOKEN = env("TWILIO_AUTH_TOKEN", default="")
TWILIO_SMS_FROM = env("TWILIO_SMS_FROM", default="")
TWILIO_WHATSAPP_FROM = env("TWILIO_WHATSAPP_FROM", default="")
# Twilio posts delivery reports to SITE_URL/c/webhooks/twilio/status/ (signed by Twilio).
# The global rate per channel (messages per second, all workers together; 0 = no limit).
OUTBOX_RATE_LIMITS = {
    "email": env.float("OUTBOX_RATE_EMAIL", default=100),
    "sms": env.float("OUTBOX_RATE_SMS", default=10),
    "whatsapp": env.float("OUTBOX_RATE_WHATSAPP", default=20),
}
# Messages per sending task, and how long a task's claim on them lasts: longer than the task's
# hard time limit, so a live task's messages are never taken over.
OUTBOX_BATCH_SIZE = env.int("OUTBOX_BATCH_SIZE", default=500)
OUTBOX_SEND_SOFT_TIME_LIMIT = env.int("OUTBOX_SEND_SOFT_TIME_LIMIT", default=240)
OUTBOX_SEND_TIME_LIMIT = env.int("OUTBOX_SEND_TIME_LIMIT", default=300)
OUTBOX_CLAIM_SECONDS = env.int("OUTBOX_CLAIM_SECONDS", default=420)
# Queued messages of a campaign sending for this long without a claim are enqueued again (their
# task was lost with a broker that restarted without persistence).
OUTBOX_RESEND_AFTER_SECONDS = env.int("OUTBOX_RESEND_AFTER_SECONDS", default=15 * 60)

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
        "WorkingLanguageEnum": "members.languages.WORKING_LANGUAGES",
        # Several apps name a field "kind" or "role" with different choices: name each set.
        "OrganizationKindEnum": "members.models.Organization.Kind",
        "AffiliationRoleEnum": "members.models.Affiliation.Role",
        "NetworkKindEnum": "networks.models.Network.Kind",
        "BodyKindEnum": "networks.models.Body.Kind",
        "SeatRoleEnum": "networks.models.Seat.Role",
        "AssemblySessionStatusEnum": "networks.models.AssemblySession.Status",
        "DelegateStatusEnum": "networks.models.Delegate.Status",
        "ProductNetworkEnum": "members.models.ProductNetwork",
        "ReviewKindEnum": "networks.models.Review.Kind",
        "PriceReferenceKindEnum": "networks.models.PriceReference.Kind",
        "ProductStrategyStatusEnum": "networks.models.ProductStrategy.Status",
        "NeedStatusEnum": "networks.models.Need.Status",
        "SustainabilityStrategyStatusEnum": "networks.models.SustainabilityStrategy.Status",
        "InquiryStatusEnum": "communications.models.Inquiry.Status",
        "InquiryCategoryEnum": "communications.models.Inquiry.Category",
        "InquiryMessageKindEnum": "communications.models.InquiryMessage.Kind",
        "CampaignStatusEnum": "communications.models.Campaign.Status",
        "CampaignChannelEnum": "communications.models.Campaign.Channel",
        "MarketTargetUnitEnum": "networks.models.MarketTarget.Unit",
        "UnitEnum": "members.models.Unit",
        "NeedCategoryEnum": "networks.models.Need.Category",
        "FundingCallStatusEnum": "finance.models.FundingCall.Status",
        "SupportApplicationStatusEnum": "finance.models.SupportApplication.Status",
    },
}

SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# --- Registry import (members.importing) ---------------------------------------------------
# Write each batch on a second thread while the next is planned (PostgreSQL, real runs only);
# false writes on the importing thread (slower, same result).
IMPORT_PIPELINE = env.bool("IMPORT_PIPELINE", default=True)
# Rows per batch of the import job (each batch is one transaction); small only in tests.
IMPORT_BATCH_SIZE = env.int("IMPORT_BATCH_SIZE", default=5000)
# Largest upload accepted, in bytes: the whole registry with its contacts several times over
# (100,000 rows of CSV are about 40 MB); the file is streamed by the job, never read whole.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=100 * 1024 * 1024)

# --- Accounts hardening (clac.auth) -------------------------------------------------------
# Lockout tiers (clac.auth.lockout.TieredAxesHandler): an account from one address is locked
# after AXES_FAILURE_LIMIT failures; one address across accounts after LOCKOUT_IP_FAILURE_LIMIT;
# one account across addresses after LOCKOUT_USER_FAILURE_LIMIT. Each lock lasts the cool-off
# after the last failure. The client address is REMOTE_ADDR here; production settings trust
# the proxy's X-Forwarded-For explicitly.
AXES_HANDLER = "clac.auth.lockout.TieredAxesHandler"
AXES_FAILURE_LIMIT = env.int("LOCKOUT_FAILURE_LIMIT", default=5)
LOCKOUT_IP_FAILURE_LIMIT = env.int("LOCKOUT_IP_FAILURE_LIMIT", default=20)
LOCKOUT_USER_FAILURE_LIMIT = env.int("LOCKOUT_USER_FAILURE_LIMIT", default=50)
# Axes itself keys attempts by account and address (a success resets only those); the handler
# adds the address and account tiers on top.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("LOCKOUT_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_CALLABLE = "clac.auth.lockout.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ADMIN = False
# Sign-ins are in our security log; axes keeps only the failures it counts.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
AXES_IPWARE_META_PRECEDENCE_ORDER: tuple[str, ...] = ("REMOTE_ADDR",)
# Password-reset requests and failed API keys/tokens, per client address, within the window.
PASSWORD_RESET_RATE = env.int("PASSWORD_RESET_RATE", default=5)
API_AUTH_FAILURE_LIMIT = env.int("API_AUTH_FAILURE_LIMIT", default=20)
THROTTLE_WINDOW_MINUTES = env.int("THROTTLE_WINDOW_MINUTES", default=15)
# Second factor: staff without a confirmed device must enrol before anything else (on in
# production settings); portal users may enrol from their account menu.
MFA_REQUIRED_FOR_STAFF = env.bool("MFA_REQUIRED_FOR_STAFF", default=False)
OTP_TOTP_ISSUER = "CLAC Network"
MFA_RECOVERY_CODES = 10
# Sensitive actions ask for the password or a code again when the last one is older than this.
REAUTH_MAX_AGE_MINUTES = env.int("REAUTH_MAX_AGE_MINUTES", default=10)
SECURITY_EVENTS_PER_PAGE = 50

# --- Public contact form and inquiries (communications; docs/decisions/0017) ------------------
# Submissions accepted per client address and per e-mail address within the window (counted
# in the cache: Redis in production, shared by every web process).
CONTACT_RATE_PER_IP = env.int("CONTACT_RATE_PER_IP", default=5)
CONTACT_RATE_PER_EMAIL = env.int("CONTACT_RATE_PER_EMAIL", default=3)
CONTACT_RATE_WINDOW_MINUTES = env.int("CONTACT_RATE_WINDOW_MINUTES", default=60)
# A form sent sooner than this after it was shown is a robot's; older than this, a replay.
CONTACT_MIN_FILL_SECONDS = env.int("CONTACT_MIN_FILL_SECONDS", default=3)
CONTACT_MAX_FORM_AGE_HOURS = env.int("CONTACT_MAX_FORM_AGE_HOURS", default=24)
CONTACT_MESSAGE_MAX_LENGTH = env.int("CONTACT_MESSAGE_MAX_LENGTH", default=5000)
# Closed inquiries keep the sender's personal data this long, then a nightly task erases it.
INQUIRY_RETENTION_DAYS = env.int("INQUIRY_RETENTION_DAYS", default=730)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A 403 is logged once, on one line with user and path, by clac.auth.views.permission_denied
    # (django.request would add a traceback, printed twice with DEBUG's own console handler).
    "filters": {"skip_forbidden": {"()": "clac.auth.log_filters.SkipForbiddenFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.request": {"filters": ["skip_forbidden"]},
        "axes": {"level": "WARNING"},
        # WeasyPrint logs seven progress lines per PDF at INFO (finance/portal/dues.py invoice_pdf).
        "weasyprint": {"level": "WARNING"},
    },
}
