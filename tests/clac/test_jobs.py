"""Tracked jobs: the lifecycle (progress, success, failure, running twice), enqueueing after
commit, stale jobs, and the dashboard pages that show them."""

import datetime
import logging
from decimal import Decimal

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from clac import jobs
from clac.jobs import JobError, JobProgress, job_enqueue, job_execute, job_runner, jobs_sweep
from clac.models import Job
from clac.roles import StaffRole
from clac.tasks import job_run, jobs_mark_stale
from tests.factories import UserFactory, staff_user

runner_calls: list[int] = []


@pytest.fixture(autouse=True)
def _forget_calls():
    runner_calls.clear()


@job_runner("tests.count_rows", label="Count rows")
def count_rows(job: Job, progress: JobProgress) -> dict:
    rows = job.params.get("rows", 3)
    progress.set_total(rows)
    for index in range(rows):
        if index in job.params.get("bad_rows", []):
            progress.add_error("Bad value", row=index + 2, column="name")
        progress.advance()
    runner_calls.append(job.pk)
    return {"rows": rows, "amount": Decimal("12.50"), "language": translation.get_language()}


@job_runner("tests.explode")
def explode(job: Job, progress: JobProgress) -> dict:
    runner_calls.append(job.pk)
    progress.set_total(10)
    progress.advance(4)
    raise ValueError("the file is not a spreadsheet")


@job_runner("tests.refuse")
def refuse(job: Job, progress: JobProgress) -> dict:
    raise JobError("The file has no header row.")


@job_runner("tests.stopped_meanwhile")
def stopped_meanwhile(job: Job, progress: JobProgress) -> dict:
    # What jobs_mark_stale does while the worker is still (slowly) running the job.
    Job.objects.filter(pk=job.pk).update(status=Job.Status.FAILED, errors=[{"message": "stale"}])
    progress.set_total(5)
    runner_calls.append(job.pk)
    return {}


@job_runner("tests.with_file")
def with_file(job: Job, progress: JobProgress) -> dict:
    content = job.input_file.read()
    progress.set_result_file("errors.csv", b"row,message\n" + content)
    return {"bytes": len(content)}


def _queued_job(kind: str = "tests.count_rows", **fields) -> Job:
    return Job.objects.create(kind=kind, **fields)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# --- lifecycle ------------------------------------------------------------------------------


def test_enqueued_job_runs_after_commit_and_records_progress_and_result(
    db, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = job_enqueue(kind="tests.count_rows", requested_by=admin_user, params={"rows": 4, "bad_rows": [1]})
        assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED
        assert runner_calls == []

    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert (job.progress_done, job.progress_total) == (4, 4)
    assert job.errors == [{"message": "Bad value", "row": 3, "column": "name"}]
    assert job.result["rows"] == 4
    assert job.result["amount"] == "12.50"
    assert job.requested_by == admin_user
    assert job.started_at <= job.finished_at
    assert runner_calls == [job.pk]


def test_runner_speaks_the_language_of_the_staff_member_who_started_it(db):
    requester = staff_user(StaffRole.ADMIN, username="english-admin", language="en")
    job = _queued_job(requested_by=requester)

    job_execute(job_id=job.pk)

    job.refresh_from_db()
    assert job.result["language"] == "en"


def test_failing_job_is_recorded_as_failed_with_its_error_and_logged(db, caplog):
    job = _queued_job(kind="tests.explode")

    with caplog.at_level(logging.ERROR, logger="clac.jobs"):
        job_execute(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.finished_at is not None
    assert (job.progress_done, job.progress_total) == (4, 10)
    assert "the file is not a spreadsheet" in job.errors[-1]["message"]
    assert "ValueError" in job.errors[-1]["message"]
    assert any(record.exc_info for record in caplog.records), "the traceback is logged"


def test_job_error_message_is_shown_as_written(db):
    job = _queued_job(kind="tests.refuse")

    job_execute(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.errors == [{"message": "The file has no header row.", "row": None, "column": None}]


def test_job_of_unknown_kind_fails_with_a_clear_error(db):
    job = _queued_job(kind="tests.no_such_runner")

    job_execute(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "tests.no_such_runner" in job.errors[0]["message"]


def test_running_a_job_twice_runs_it_once(db):
    job = _queued_job(params={"rows": 2})

    job_execute(job_id=job.pk)
    finished_at = Job.objects.get(pk=job.pk).finished_at
    job_execute(job_id=job.pk)

    job.refresh_from_db()
    assert runner_calls == [job.pk]
    assert job.status == Job.Status.SUCCEEDED
    assert job.finished_at == finished_at


def test_running_a_deleted_job_does_nothing(db):
    job_execute(job_id=987654)

    assert runner_calls == []


def test_job_marked_failed_while_running_is_not_brought_back(db):
    job = _queued_job(kind="tests.stopped_meanwhile")

    job_execute(job_id=job.pk)

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.errors == [{"message": "stale"}]
    assert runner_calls == [], "the runner stopped at its first progress write"


def test_enqueue_refuses_an_unknown_kind_and_creates_nothing(db):
    with pytest.raises(ValueError, match=r"tests\.nothing"):
        job_enqueue(kind="tests.nothing")

    assert not Job.objects.exists()


def test_input_file_is_stored_and_result_file_is_kept(db, admin_user, django_capture_on_commit_callbacks):
    upload = SimpleUploadedFile("registry.csv", b"3,Unknown country\n", content_type="text/csv")

    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(kind="tests.with_file", requested_by=admin_user, input_file=upload)

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED, job.errors
    assert job.input_file.name.endswith(".csv")
    assert job.result == {"bytes": 18}
    with job.result_file.open("rb") as handle:
        assert handle.read() == b"row,message\n3,Unknown country\n"


def test_a_second_runner_for_the_same_kind_is_refused():
    def other(job: Job, progress: JobProgress) -> dict:
        return {}

    with pytest.raises(ImproperlyConfigured):
        job_runner("tests.count_rows")(other)
    # Registering the same function again (a module imported twice) is fine.
    job_runner("tests.count_rows", label="Count rows")(count_rows)


# --- progress -------------------------------------------------------------------------------


def test_progress_writes_are_throttled(db, django_assert_num_queries):
    job = _queued_job(status=Job.Status.RUNNING)
    clock = FakeClock()
    progress = JobProgress(job, clock=clock)

    with django_assert_num_queries(0):
        for _ in range(500):
            progress.advance()
    assert Job.objects.get(pk=job.pk).progress_done == 0

    clock.now += 0.6
    with django_assert_num_queries(1):
        progress.advance()
        progress.advance()
    assert Job.objects.get(pk=job.pk).progress_done == 501


def test_set_total_is_written_at_once(db):
    job = _queued_job(status=Job.Status.RUNNING)
    progress = JobProgress(job, clock=FakeClock())

    progress.set_total(1200)

    assert Job.objects.get(pk=job.pk).progress_total == 1200


def test_progress_write_refreshes_the_heartbeat(db):
    job = _queued_job(status=Job.Status.RUNNING)
    Job.objects.filter(pk=job.pk).update(updated_at=timezone.now() - datetime.timedelta(hours=5))

    JobProgress(job).flush()

    assert timezone.now() - Job.objects.get(pk=job.pk).updated_at < datetime.timedelta(minutes=1)


def test_errors_are_capped_with_a_count_of_the_rest(db, monkeypatch):
    monkeypatch.setattr(jobs, "MAX_ERRORS", 3)
    job = _queued_job(status=Job.Status.RUNNING)
    progress = JobProgress(job, clock=FakeClock())

    for row in range(2, 10):
        progress.add_error(f"Row {row} is wrong", row=row, column="email")
    progress.flush()

    job.refresh_from_db()
    assert progress.error_count == 8
    assert len(job.errors) == 4
    assert job.errors[2] == {"message": "Row 4 is wrong", "row": 4, "column": "email"}
    assert job.errors[3]["omitted"] == 5


# --- enqueue after commit -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_task_enqueued_inside_a_transaction_that_rolls_back_is_never_run(monkeypatch):
    sent: list[int] = []
    monkeypatch.setattr(job_run, "apply_async", lambda args, **options: sent.append(args[0]))

    with pytest.raises(RuntimeError), transaction.atomic():
        job_enqueue(kind="tests.count_rows")
        raise RuntimeError("the import form was invalid after all")

    assert sent == []
    assert runner_calls == []
    assert not Job.objects.exists()

    with transaction.atomic():
        job = job_enqueue(kind="tests.count_rows")
        assert sent == [], "nothing is sent before the commit"
    assert sent == [job.pk]


def test_task_enqueued_in_a_rolled_back_savepoint_is_not_sent(db, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        job_enqueue(kind="tests.count_rows")
        raise RuntimeError

    assert callbacks == []
    assert runner_calls == []


# --- tasks ----------------------------------------------------------------------------------


def test_job_run_task_retries_transient_database_errors(db, monkeypatch):
    job = _queued_job(params={"rows": 1})
    attempts: list[int] = []
    real_execute = jobs.job_execute

    def flaky_execute(*, job_id: int) -> None:
        attempts.append(job_id)
        if len(attempts) == 1:
            raise OperationalError("the database is restarting")
        real_execute(job_id=job_id)

    monkeypatch.setattr("clac.tasks.job_execute", flaky_execute)
    job_run.apply(args=[job.pk])

    job.refresh_from_db()
    assert attempts == [job.pk, job.pk]
    assert job.status == Job.Status.SUCCEEDED


def test_job_run_has_time_limits_and_late_acknowledgement():
    assert job_run.acks_late
    assert 0 < job_run.soft_time_limit < job_run.time_limit


def test_stale_running_and_queued_jobs_are_marked_failed(db, settings):
    settings.JOBS_STALE_AFTER_SECONDS = 180
    now = timezone.now()
    silent = _queued_job(status=Job.Status.RUNNING, requested_by=staff_user(StaffRole.ADMIN, language="en"))
    busy = _queued_job(status=Job.Status.RUNNING, heartbeat_at=now - datetime.timedelta(seconds=30))
    lost = _queued_job()
    waiting = _queued_job()
    done = _queued_job(status=Job.Status.SUCCEEDED)
    Job.objects.filter(pk=silent.pk).update(heartbeat_at=now - datetime.timedelta(minutes=4))
    Job.objects.filter(pk=done.pk).update(updated_at=now - datetime.timedelta(hours=3))
    Job.objects.filter(pk=lost.pk).update(updated_at=now - datetime.timedelta(days=2))
    Job.objects.filter(pk=waiting.pk).update(updated_at=now - datetime.timedelta(hours=3))

    assert jobs_mark_stale.apply().get() == {"requeued": 0, "failed": 2}

    statuses = dict(Job.objects.values_list("pk", "status"))
    assert statuses == {
        silent.pk: Job.Status.FAILED,
        busy.pk: Job.Status.RUNNING,
        lost.pk: Job.Status.FAILED,
        waiting.pk: Job.Status.QUEUED,
        done.pk: Job.Status.SUCCEEDED,
    }
    silent.refresh_from_db()
    assert "its worker stopped while running it" in silent.errors[-1]["message"]
    assert "Run again" in silent.errors[-1]["message"]
    assert silent.finished_at is not None
    assert jobs_sweep() == {"requeued": 0, "failed": 0}, "marking is idempotent"


# --- dashboard pages ------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_login(client, db):
    response = client.get(reverse("dashboard:job_list"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_portal_user_cannot_see_jobs(client, portal_editor, admin_user):
    job = _queued_job(requested_by=admin_user)
    client.force_login(portal_editor)

    assert client.get(reverse("dashboard:job_list")).status_code == 403
    assert client.get(reverse("dashboard:job_detail", args=[job.pk])).status_code == 403


def test_admin_sees_every_job_newest_first(client, admin_user, finance_user):
    older = _queued_job(requested_by=finance_user, status=Job.Status.SUCCEEDED, progress_done=3, progress_total=3)
    newer = _queued_job(kind="tests.count_rows", requested_by=admin_user, status=Job.Status.RUNNING, progress_total=10)
    client.force_login(admin_user)

    response = client.get(reverse("dashboard:job_list"))

    assert response.status_code == 200
    assert [job.pk for job in response.context["page_obj"]] == [newer.pk, older.pk]
    content = response.content.decode()
    assert "Count rows" in content
    assert '<progress value="0" max="10"' in content
    assert "badge-running" in content


def test_other_staff_see_only_the_jobs_they_started(client, admin_user, finance_user):
    mine = _queued_job(requested_by=finance_user)
    theirs = _queued_job(requested_by=admin_user, status=Job.Status.FAILED)
    client.force_login(finance_user)

    response = client.get(reverse("dashboard:job_list"))

    assert [job.pk for job in response.context["page_obj"]] == [mine.pk]
    assert client.get(reverse("dashboard:job_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("dashboard:job_detail", args=[theirs.pk])).status_code == 404


def test_job_list_filters_by_status(client, admin_user):
    _queued_job(status=Job.Status.SUCCEEDED)
    failed = _queued_job(status=Job.Status.FAILED)
    client.force_login(admin_user)

    response = client.get(reverse("dashboard:job_list"), {"status": "failed"})

    assert [job.pk for job in response.context["page_obj"]] == [failed.pk]


def test_job_list_with_an_unknown_status_says_so(client, admin_user):
    _queued_job()
    client.force_login(admin_user)

    response = client.get(reverse("dashboard:job_list"), {"status": "exploded"})

    assert response.status_code == 200
    assert response.context["form"].errors["status"]
    assert len(response.context["page_obj"]) == 1


def test_job_list_is_paginated_and_its_query_count_does_not_grow(client, admin_user, django_assert_max_num_queries):
    requesters = [UserFactory(username=f"requester{n}") for n in range(30)]
    Job.objects.bulk_create(
        Job(kind="tests.count_rows", requested_by=user, status=Job.Status.RUNNING, progress_total=9)
        for user in requesters
    )
    client.force_login(admin_user)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("dashboard:job_list"))
    assert len(response.context["page_obj"]) == 25

    response = client.get(reverse("dashboard:job_list"), {"page": 2})
    assert len(response.context["page_obj"]) == 5


def test_running_job_page_refreshes_itself_and_shows_errors(client, admin_user):
    job = _queued_job(
        requested_by=admin_user,
        status=Job.Status.RUNNING,
        progress_done=2,
        progress_total=8,
        errors=[{"message": "Unknown country «Perú»", "row": 7, "column": "country"}],
    )
    client.force_login(admin_user)

    response = client.get(reverse("dashboard:job_detail", args=[job.pk]))

    content = response.content.decode()
    assert response.status_code == 200
    assert '<meta http-equiv="refresh" content="3">' in content
    assert "Unknown country «Perú»" in content
    assert "<td>7</td>" in content
    assert '<progress value="2" max="8"' in content


def test_finished_job_page_shows_result_and_does_not_refresh(client, admin_user):
    job = _queued_job(requested_by=admin_user, status=Job.Status.SUCCEEDED, result={"created": 12})
    client.force_login(admin_user)

    response = client.get(reverse("dashboard:job_detail", args=[job.pk]))

    content = response.content.decode()
    assert 'http-equiv="refresh"' not in content
    assert "created" in content
    assert "12" in content


def test_result_file_is_downloaded_by_staff_who_may_see_the_job(client, admin_user, finance_user):
    job = _queued_job(requested_by=finance_user, status=Job.Status.RUNNING)
    JobProgress(job).set_result_file("report.xlsx", b"PK\x03\x04 spreadsheet")
    other = _queued_job(requested_by=admin_user, status=Job.Status.RUNNING)
    JobProgress(other).set_result_file("other.csv", b"secret")

    client.force_login(finance_user)
    response = client.get(reverse("dashboard:job_result_file", args=[job.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"PK\x03\x04 spreadsheet"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "report" in response["Content-Disposition"]
    assert client.get(reverse("dashboard:job_result_file", args=[other.pk])).status_code == 404


def test_result_file_of_a_job_without_one_is_not_found(client, admin_user):
    job = _queued_job(requested_by=admin_user, status=Job.Status.SUCCEEDED)
    client.force_login(admin_user)

    assert client.get(reverse("dashboard:job_result_file", args=[job.pk])).status_code == 404


def test_result_file_is_refused_to_portal_users_and_anonymous(client, portal_editor, admin_user):
    job = _queued_job(requested_by=admin_user, status=Job.Status.RUNNING)
    JobProgress(job).set_result_file("report.csv", b"a,b")
    url = reverse("dashboard:job_result_file", args=[job.pk])

    assert client.get(url).status_code == 302
    client.force_login(portal_editor)
    assert client.get(url).status_code == 403


def test_job_page_names_result_figures_with_the_runners_labels(client, admin_user):
    job = Job.objects.create(
        kind="members.import_registry",
        status=Job.Status.SUCCEEDED,
        requested_by=admin_user,
        result={"rows": 3, "dry_run": True, "people_created": 2, "something_new": 1},
    )
    client.force_login(admin_user)

    html = client.get(reverse("dashboard:job_detail", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Rows read" in html
    assert "People created" in html
    assert "dry_run" not in html
    # A key the runner did not name is still shown, as it is.
    assert "something_new" in html
