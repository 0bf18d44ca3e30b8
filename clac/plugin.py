"""The platform's own entries in the registries it offers apps: its menu entries (home, jobs,
Django's admin), the job sweep, and who may use its routes."""

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from clac.plugins import (
    ACCESS_PORTAL,
    ACCESS_PUBLIC,
    ACCESS_SIGNED_IN,
    ACCESS_STAFF,
    ACCESS_STAFF_ROLES,
    AppPlugin,
    NavEntry,
)
from clac.roles import StaffRole

ADMINS = frozenset({StaffRole.ADMIN})

plugin = AppPlugin(
    app="clac",
    dashboard_nav=(
        NavEntry(_("Home"), "dashboard:home", icon="home", order=0),
        NavEntry(_("Jobs"), "dashboard:job_list", icon="jobs", order=900),
        NavEntry(_("Security log"), "dashboard:security_event_list", ADMINS, icon="security", order=950),
        NavEntry(_("Lockouts"), "dashboard:lockout_list", ADMINS, icon="security", order=951),
        NavEntry(_("Admin"), "admin:index", ADMINS, icon="admin", django_staff_only=True, order=1000),
    ),
    portal_nav=(NavEntry(_("Home"), "portal:home", order=0),),
    beat_schedule={
        # A job whose worker died is re-queued (resumable) or failed, within minutes.
        "jobs-mark-stale": {"task": "clac.tasks.jobs_mark_stale", "schedule": settings.JOBS_SWEEP_SECONDS},
        # The outbox relay: jobs created while the broker was down are sent once it is back.
        "jobs-relay": {"task": "clac.tasks.jobs_relay_unsent", "schedule": settings.JOBS_SWEEP_SECONDS},
    },
    access_catalogue={
        "home": ACCESS_PUBLIC,
        "healthz": ACCESS_PUBLIC,
        "login": ACCESS_PUBLIC,
        "logout": ACCESS_PUBLIC,
        "password_change": ACCESS_SIGNED_IN,
        "password_change_done": ACCESS_SIGNED_IN,
        "password_reset": ACCESS_PUBLIC,
        "password_reset_done": ACCESS_PUBLIC,
        "password_reset_confirm": ACCESS_PUBLIC,
        "password_reset_complete": ACCESS_PUBLIC,
        "language_switch": ACCESS_PUBLIC,
        "set_language": ACCESS_PUBLIC,
        "schema": ACCESS_PUBLIC,
        "api-docs": ACCESS_PUBLIC,
        "dashboard:home": ACCESS_STAFF,
        "dashboard:history": ACCESS_STAFF,
        "dashboard:job_list": ACCESS_STAFF,
        # Administrators and whoever started the job.
        "dashboard:job_detail": ACCESS_STAFF_ROLES,
        "dashboard:job_result_file": ACCESS_STAFF_ROLES,
        "dashboard:job_run_again": ACCESS_STAFF_ROLES,
        # Account security (clac.auth): each signed-in user's own two-step sign-in and
        # re-authentication; the security log and lockouts for administrators.
        "mfa_manage": ACCESS_SIGNED_IN,
        "mfa_enrol": ACCESS_SIGNED_IN,
        "mfa_verify": ACCESS_SIGNED_IN,
        "mfa_recovery_codes": ACCESS_SIGNED_IN,
        "mfa_disable": ACCESS_SIGNED_IN,
        "reauth": ACCESS_SIGNED_IN,
        "dashboard:security_event_list": ACCESS_STAFF_ROLES,
        "dashboard:lockout_list": ACCESS_STAFF_ROLES,
        "dashboard:lockout_clear": ACCESS_STAFF_ROLES,
        "portal:home": ACCESS_PORTAL,
        "portal:organization_switch": ACCESS_PORTAL,
    },
)
