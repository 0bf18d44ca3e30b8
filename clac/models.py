"""Project-wide models: the user, tracked background jobs and the machinery of API credentials."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


class User(AbstractUser):
    """A person who signs in: CLAC staff (Django groups give the roles) and/or a member
    organization's portal user (through members.PortalAccess)."""

    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Interface language; empty means the browser's."),
    )

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("user")  # type: ignore[assignment]  # the stubs expect str, Django takes lazy text
        verbose_name_plural = _("users")  # type: ignore[assignment]

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Job(TimeStampedModel):
    """A long piece of work (import, fan-out, report, recompute) run by a Celery task, with
    progress the dashboard can show. The kind names a runner registered in clac.jobs."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=64)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    progress_done = models.PositiveIntegerField(_("done"), default=0)
    progress_total = models.PositiveIntegerField(_("total"), null=True, blank=True)
    errors = models.JSONField(_("errors"), default=list, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    result_file = models.FileField(_("result file"), upload_to="jobs/%Y/%m/", blank=True)
    input_file = models.FileField(_("input file"), upload_to="jobs/input/%Y/%m/", blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
    )
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    # The outbox (clac.outbox): when the job's message was last handed to the broker; empty
    # while it has not been (the broker was down), so the relay sends it later.
    sent_at = models.DateTimeField(_("sent to the worker"), null=True, blank=True)
    # Written every few seconds by the worker running the job (clac.jobs.Heartbeat),
    # independently of progress; a running job whose heartbeat stops lost its worker.
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    # "host:pid" of the worker process that runs (or last ran) the job.
    worker = models.CharField(_("worker"), max_length=255, blank=True)
    # How many times a worker has started the job (a resumable job is started again after
    # its worker died, up to settings.JOBS_MAX_ATTEMPTS).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # Two requests for the same work (the same file uploaded twice) while one is queued or
    # running share one job: unique among the unfinished jobs of a kind (empty: no check).
    dedupe_key = models.CharField(_("duplicate check"), max_length=128, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [
            # The jobs page lists the newest first, often filtered by status.
            models.Index(fields=["status", "-created_at"], name="job_status_created_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "dedupe_key"],
                condition=models.Q(status__in=["queued", "running"]) & ~models.Q(dedupe_key=""),
                name="job_unfinished_dedupe_key_uniq",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int | None:
        if not self.progress_total:
            return None
        return min(100, int(self.progress_done * 100 / self.progress_total))

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)


class WorkerBeat(models.Model):
    """When a background worker last showed it was alive (it ran the periodic sweep, ran a
    job, or started): what /healthz?deep=1 and the jobs page read. One row per worker."""

    name = models.CharField(_("worker"), max_length=255, unique=True)
    seen_at = models.DateTimeField(_("last seen"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self) -> str:
        return self.name


class KeyBase(TimeStampedModel):
    """A secret credential stored only as a SHA-256 hash, with a short visible prefix to find
    it by. Keys are 256-bit random strings, so a fast hash is enough (see docs/decisions)."""

    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, unique=True)
    hashed_key = models.CharField(max_length=64, unique=True, editable=False)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired


class PartnerKeyBase(KeyBase):
    """A partner's key: `Authorization: Api-Key <key>`, limited by its scopes. The concrete
    model belongs to the app that owns the partners (its plugin names it), so the platform
    authenticates and throttles keys without knowing who the partners are."""

    scopes = models.JSONField(_("scopes"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        abstract = True


class StaffToken(KeyBase):
    """A staff member's personal token for scripts: `Authorization: Token <token>`. It acts
    with the user's own roles."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )

    class Meta:
        verbose_name = _("personal API token")
        verbose_name_plural = _("personal API tokens")

    def __str__(self) -> str:
        return f"{self.user} · {self.prefix}…"


class SecurityEvent(models.Model):
    """One line of the security log (clac.auth.security_log.security_event): who did what
    touching accounts, access or personal data, when, and from which address. Rows are only
    ever added; staff administrators read them at /dashboard/security/."""

    class Kind(models.TextChoices):
        SIGN_IN = "sign_in", _("Signed in")
        SIGN_IN_FAILED = "sign_in_failed", _("Sign-in failed")
        SIGN_OUT = "sign_out", _("Signed out")
        LOCKOUT = "lockout", _("Locked out")
        LOCKOUT_CLEARED = "lockout_cleared", _("Lockout cleared")
        THROTTLED = "throttled", _("Throttled")
        MFA_ENABLED = "mfa_enabled", _("Second factor enrolled")
        MFA_DISABLED = "mfa_disabled", _("Second factor removed")
        MFA_VERIFIED = "mfa_verified", _("Second factor verified")
        MFA_FAILED = "mfa_failed", _("Second factor code refused")
        MFA_CODES_REGENERATED = "mfa_codes_regenerated", _("Recovery codes regenerated")
        MFA_RECOVERY_CODE_USED = "mfa_recovery_code_used", _("Recovery code used")
        REAUTHENTICATED = "reauthenticated", _("Identity confirmed again")
        REAUTH_FAILED = "reauth_failed", _("Identity confirmation failed")
        PERMISSION_DENIED = "permission_denied", _("Access refused")
        API_AUTH_FAILED = "api_auth_failed", _("API key or token refused")
        KEY_CREATED = "key_created", _("Key or token created")
        KEY_REVOKED = "key_revoked", _("Key or token revoked")
        PERSONAL_DATA_EXPORTED = "personal_data_exported", _("Personal data exported")
        PERSONAL_DATA_ERASED = "personal_data_erased", _("Personal data erased")
        ROLES_CHANGED = "roles_changed", _("Roles changed")

    created_at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    kind = models.CharField(_("kind"), max_length=40, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="security_events",
    )
    # The name typed at a failed sign-in (no user row then), kept as typed, truncated.
    username = models.CharField(_("username"), max_length=150, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    path = models.CharField(_("path"), max_length=255, blank=True)
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        indexes = [
            models.Index(fields=["kind", "-created_at"], name="securityevent_kind_idx"),
            models.Index(fields=["user", "-created_at"], name="securityevent_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind} {self.username}"
