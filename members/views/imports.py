"""Staff pages to import the registry from a file: the upload form with the recent imports,
and the downloadable templates. The import itself runs as a background job (clac.jobs), whose
page shows its progress, errors and error file. Registry editors only (admin, coordinator,
M&E officer)."""

import hashlib
import os

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import path, reverse
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from clac.access import request_user, staff_required
from clac.jobs import job_enqueue_once, jobs_visible_to
from clac.roles import REGISTRY_EDITORS
from members.importing import ImportFormat, import_template_csv, import_template_xlsx
from members.selectors.access import registry_can_change_everything
from members.tasks import IMPORT_JOB_KIND

IMPORT_EXTENSIONS = (".csv", ".xlsx")
RECENT_IMPORTS = 20
AUTO_FORMAT = ""


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV (UTF-8, separated by commas or semicolons) or Excel XLSX, first row = column names."
        ),
    )
    format = forms.ChoiceField(
        label=gettext_lazy("The rows are"),
        choices=[(AUTO_FORMAT, gettext_lazy("Detect from the column names")), *ImportFormat.CHOICES],
        required=False,
    )
    dry_run = forms.BooleanField(
        label=gettext_lazy("Dry run: check every row and report the errors, without saving anything"),
        required=False,
        initial=True,
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        name = upload.name or ""
        if not name.lower().endswith(IMPORT_EXTENSIONS):
            raise ValidationError(gettext_lazy("Upload a .csv or .xlsx file."), code="extension")
        if upload.size == 0:
            raise ValidationError(gettext_lazy("The file is empty."), code="empty")
        if upload.size > settings.IMPORT_MAX_BYTES:
            raise ValidationError(
                gettext_lazy("The file is too large (%(size)s); the limit is %(limit)s. Split it into several files.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(settings.IMPORT_MAX_BYTES)},
                code="size",
            )
        return upload


def _recent_imports(request: HttpRequest) -> list:
    jobs = list(jobs_visible_to(request.user).filter(kind=IMPORT_JOB_KIND)[:RECENT_IMPORTS])
    for job in jobs:
        result = job.result if isinstance(job.result, dict) else {}
        # Shown by the template next to the job; not a column.
        job.rows_with_errors = result.get("rows_with_errors")  # type: ignore[attr-defined]
    return jobs


def _render_list(request: HttpRequest, form: ImportUploadForm, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "members/imports/list.html",
        {
            "form": form,
            "jobs": _recent_imports(request),
            "formats": ImportFormat.CHOICES,
            "max_size": settings.IMPORT_MAX_BYTES,
        },
        status=status,
    )


@staff_required(*REGISTRY_EDITORS)
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    return _render_list(request, ImportUploadForm())


@staff_required(*REGISTRY_EDITORS)
@require_POST
def import_upload(request: HttpRequest) -> HttpResponse:
    # An import may touch any organization: only editors whose role reaches the whole registry.
    if not registry_can_change_everything(request.user):
        raise PermissionDenied
    form = ImportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_list(request, form, status=400)
    upload = form.cleaned_data["file"]
    import_format = form.cleaned_data["format"] or None
    dry_run = form.cleaned_data["dry_run"]
    job, created = job_enqueue_once(
        kind=IMPORT_JOB_KIND,
        requested_by=request_user(request),
        params={"format": import_format, "dry_run": dry_run, "filename": os.path.basename(upload.name)},
        input_file=upload,
        # The same content, format and mode while that import is queued or running: one job
        # (a double click, a second tab), whoever uploaded it.
        dedupe_key=import_dedupe_key(upload, import_format=import_format, dry_run=dry_run),
    )
    if not created:
        messages.info(request, gettext("This file is already being imported: here is that import."))
    elif job.sent_at is None:
        messages.warning(request, gettext("Queued; it starts when the background service is available."))
    return redirect(reverse("dashboard:job_detail", kwargs={"pk": job.pk}))


def import_dedupe_key(upload, *, import_format: str | None, dry_run: bool) -> str:
    """sha256 of the file's content (read in chunks, the file rewound after), with the format
    and whether it is a dry run: a dry run and a real run of the same file are two jobs."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return f"{digest.hexdigest()}:{import_format or 'auto'}:{'dry' if dry_run else 'write'}"


@staff_required(*REGISTRY_EDITORS)
@require_GET
def import_template(request: HttpRequest, kind: str, extension: str = "csv") -> HttpResponse:
    if kind not in ImportFormat.VALUES:
        raise Http404
    if extension == "xlsx":
        content = import_template_xlsx(kind)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content = import_template_csv(kind)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="clac-{kind}-template.{extension}"'
    return response


urlpatterns = [
    path("import/", import_list, name="import_list"),
    path("import/upload/", import_upload, name="import_upload"),
    path("import/template/<str:kind>.csv", import_template, name="import_template"),
    path("import/template/<str:kind>.xlsx", import_template, {"extension": "xlsx"}, name="import_template_xlsx"),
]
