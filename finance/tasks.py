"""Background work of finance: thin Celery wrappers around the services, and the dues job."""

from celery import shared_task
from django.db import InterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from clac.jobs import JobError, job_runner
from clac.models import Job
from finance.models import DuesPolicy
from finance.selectors.donors import REPORTING_REMINDER_DAYS
from finance.services.donors import deadline_reminders_send
from finance.services.dues import dues_arrears_flag, dues_invoices_generate

TRANSIENT_ERRORS = (DatabaseOperationalError, InterfaceError)


@shared_task(
    acks_late=True,
    soft_time_limit=5 * 60,
    time_limit=10 * 60,
    autoretry_for=TRANSIENT_ERRORS,
    retry_backoff=30,
    max_retries=5,
)
def reporting_deadlines_remind() -> int:
    """Daily: e-mail finance staff about donor reports coming due. Idempotent (one reminder
    per deadline, marked in the transaction that sent it; a deadline whose mail failed is
    tried again the next day)."""
    return deadline_reminders_send(today=timezone.localdate(), days=REPORTING_REMINDER_DAYS)


# --- Dues ---------------------------------------------------------------------------------------

DUES_INVOICE_JOB = "finance.dues_invoices_generate"


# Resumable: a second run skips the organizations already invoiced (unique per organization
# and year), so a job whose worker died is simply run again.
@job_runner(
    DUES_INVOICE_JOB,
    label=_("Dues invoices"),
    result_labels={
        "year": _("Year"),
        "issued": _("Invoices issued"),
        "already_invoiced": _("Already invoiced"),
        "exempt_or_unmatched": _("Exempt or matched by no rule"),
        "flagged_for_review": _("Memberships flagged for arrears"),
    },
    resumable=True,
)
def dues_invoices_job(job: Job, progress) -> dict:
    policy = DuesPolicy.objects.filter(pk=int((job.params or {}).get("policy") or 0)).first()
    if policy is None:
        raise JobError(gettext_noop("The dues policy no longer exists."), params={})
    result = dues_invoices_generate(
        policy=policy, actor=job.requested_by, on_total=progress.set_total, on_advance=progress.advance
    )
    result["flagged_for_review"] = dues_arrears_flag(actor=job.requested_by)
    return {"year": policy.year, **result}


@shared_task(acks_late=True, soft_time_limit=300, time_limit=360)
def dues_arrears_review() -> int:
    """Daily: memberships with dues over a year past due go to the review queue (idempotent)."""
    return dues_arrears_flag()
