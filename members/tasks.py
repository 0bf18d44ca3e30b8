"""Background work of the registry, run as tracked jobs (clac.jobs): thin wrappers that load
the job's input and call a service."""

import os

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from clac.jobs import JobError, job_runner
from clac.models import Job
from members.importing import ImportFormat, registry_import

IMPORT_JOB_KIND = "members.import_registry"


IMPORT_RESULT_LABELS = {
    "format": _("File format"),
    "dry_run": _("Dry run (nothing written)"),
    "rows": _("Rows read"),
    "rows_valid": _("Valid rows"),
    "rows_with_errors": _("Rows with errors"),
    "errors": _("Errors"),
    "aborted": _("Stopped before importing"),
    "organizations_created": _("Organizations created"),
    "organizations_updated": _("Organizations updated"),
    "organizations_unchanged": _("Organizations unchanged"),
    "memberships_created": _("Memberships created"),
    "certifications_created": _("Certifications created"),
    "certifications_updated": _("Certifications updated"),
    "people_created": _("People created"),
    "people_updated": _("People updated"),
    "people_unchanged": _("People unchanged"),
    "affiliations_created": _("Roles created"),
    "affiliations_updated": _("Roles updated"),
    "consents_created": _("Consents recorded"),
    "consents_updated": _("Consents updated"),
}


# Resumable: a re-run of the same file lands exactly once (rows already committed are found
# and left unchanged), so a job whose worker died is simply run again from the start.
@job_runner(
    IMPORT_JOB_KIND,
    label=_("Registry import"),
    result_labels=IMPORT_RESULT_LABELS,
    result_value_labels={"format": dict(ImportFormat.CHOICES)},
    resumable=True,
)
def import_registry_job(job: Job, progress) -> dict:
    """Import (or dry-run) the uploaded registry file. Errors go to the job row by row, and
    all of them to a CSV result file; the file is streamed from storage, never read whole."""
    params = job.params or {}
    import_format = params.get("format") or None
    if import_format is not None and import_format not in ImportFormat.VALUES:
        raise JobError(gettext_noop("Unknown import format %(format)s."), params={"format": import_format})
    input_name = job.input_file.name
    if not input_name:  # a FieldFile is false exactly when it has no name
        raise JobError(gettext_noop("The job has no file to import."), params={})
    filename = params.get("filename") or os.path.basename(input_name)
    with job.input_file.open("rb") as handle:
        result = registry_import(
            file=handle,
            filename=filename,
            import_format=import_format,
            dry_run=bool(params.get("dry_run")),
            actor=job.requested_by,
            progress=progress,
            batch_size=settings.IMPORT_BATCH_SIZE,
        )
    try:
        if result.error_count:
            stem = os.path.splitext(filename)[0]
            progress.set_result_file(f"{stem}-errors.csv", result.errors_csv())
    finally:
        result.close()
    if result.aborted:
        # Nothing was imported (unreadable file, wrong columns): the job failed, with the
        # reasons already listed among its errors.
        raise JobError(gettext_noop("The file could not be imported; see the errors above."), params={})
    return result.as_dict()
