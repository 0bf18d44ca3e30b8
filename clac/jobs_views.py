"""Dashboard pages for tracked jobs: the list with progress, a job's errors and result, and its
result file. Staff only; administrators see every job, other staff the jobs they started."""

import os

from django import forms
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from clac.access import staff_required
from clac.jobs import job_get_for_user, job_kind_label, job_result_items, jobs_visible_to
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


@staff_required()
def job_list(request: HttpRequest) -> HttpResponse:
    form = JobFilterForm(request.GET or None)
    jobs = jobs_visible_to(request.user)
    if form.is_valid() and form.cleaned_data["status"]:
        jobs = jobs.filter(status=form.cleaned_data["status"])
    page_obj = Paginator(jobs, JOBS_PER_PAGE).get_page(request.GET.get("page"))
    for job in page_obj:
        job.kind_label = job_kind_label(job.kind)  # type: ignore[attr-defined]  # for the template
    return render(request, "dashboard/jobs/job_list.html", {"form": form, "page_obj": page_obj})


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


urlpatterns = [
    path("jobs/", job_list, name="job_list"),
    path("jobs/<int:pk>/", job_detail, name="job_detail"),
    path("jobs/<int:pk>/result/", job_result_file, name="job_result_file"),
]
