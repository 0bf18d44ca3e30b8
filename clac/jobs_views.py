"""Dashboard pages for tracked jobs: the list with progress, a job's errors and result, and its
result file. Staff only; administrators see every job, other staff the jobs they started."""

import os

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from clac.access import request_user, staff_required
from clac.jobs import (
    JobError,
    job_get_for_user,
    job_kind_get,
    job_kind_label,
    job_result_items,
    job_run_again,
    jobs_visible_to,
    workers_alive,
)
from clac.models import Job

JOBS_PER_PAGE = 25
# While a job runs its page reloads itself this often (seconds); no JavaScript needed.
REFRESH_SECONDS = 3


class JobFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *Job.Status.choices],
    )


def _worker_context(alive: bool | None) -> dict:
    """The "no worker" warning: alive is None without a broker (jobs run in the web process)."""
    return {"workers_alive": alive, "worker_silent_minutes": settings.JOBS_WORKER_SILENT_AFTER_SECONDS // 60}


@staff_required()
def job_list(request: HttpRequest) -> HttpResponse:
    form = JobFilterForm(request.GET or None)
    jobs = jobs_visible_to(request.user)
    if form.is_valid() and form.cleaned_data["status"]:
        jobs = jobs.filter(status=form.cleaned_data["status"])
    page_obj = Paginator(jobs, JOBS_PER_PAGE).get_page(request.GET.get("page"))
    for job in page_obj:
        job.kind_label = job_kind_label(job.kind)  # type: ignore[attr-defined]  # for the template
    return render(
        request,
        "dashboard/jobs/job_list.html",
        {"form": form, "page_obj": page_obj, **_worker_context(workers_alive())},
    )


@staff_required()
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = job_get_for_user(user=request.user, pk=pk)
    job.kind_label = job_kind_label(job.kind)  # type: ignore[attr-defined]  # for the template
    refresh = None if job.is_finished else REFRESH_SECONDS
    return render(
        request,
        "dashboard/jobs/job_detail.html",
        {
            "job": job,
            "refresh_seconds": refresh,
            **_worker_context(workers_alive() if not job.is_finished else None),
            "can_run_again": job_kind_get(job.kind) is not None,
            "result_items": job_result_items(job),
            "result_file_name": os.path.basename(job.result_file.name or "") if job.result_file else "",
        },
    )


@staff_required()
def job_result_file(request: HttpRequest, pk: int) -> FileResponse:
    job = job_get_for_user(user=request.user, pk=pk)
    if not job.result_file:
        raise Http404
    try:
        handle = job.result_file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=os.path.basename(job.result_file.name or ""))


@staff_required()
@require_POST
def job_run_again_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Start a failed job again (same work, same file); administrators and whoever started it."""
    job = job_get_for_user(user=request.user, pk=pk)
    try:
        again = job_run_again(job=job, requested_by=request_user(request))
    except JobError as exc:
        messages.error(request, str(exc))
        return redirect("dashboard:job_detail", pk=job.pk)
    if getattr(again, "deduplicated", False):
        messages.info(request, gettext("The same work is already queued or running: here it is."))
    elif again.sent_at is None:
        messages.warning(request, gettext("Queued; it starts when the background service is available."))
    else:
        messages.success(request, gettext("The job was started again."))
    return redirect("dashboard:job_detail", pk=again.pk)


urlpatterns = [
    path("jobs/", job_list, name="job_list"),
    path("jobs/<int:pk>/", job_detail, name="job_detail"),
    path("jobs/<int:pk>/result/", job_result_file, name="job_result_file"),
    path("jobs/<int:pk>/run-again/", job_run_again_view, name="job_run_again"),
]
