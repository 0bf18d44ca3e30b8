"""A job's errors and result read in the reader's language, whoever started the job (issue 12,
item 11): errors are stored as their English source and parameters, translated when shown."""

import pytest
from django.urls import reverse
from django.utils import translation

from clac.jobs import job_error_message, job_execute, job_result_items
from clac.models import Job
from clac.roles import StaffRole
from members.tasks import IMPORT_JOB_KIND
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def test_a_job_error_is_shown_in_the_readers_language_not_the_starters():
    starter = staff_user(StaffRole.ADMIN, username="starter", language="en")
    job = Job.objects.create(kind=IMPORT_JOB_KIND, requested_by=starter, params={"format": "xml"})
    job_execute(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    (error,) = job.errors

    with translation.override("es"):
        assert job_error_message(error) == "Formato de importación desconocido: xml."
    with translation.override("en"):
        assert job_error_message(error) == "Unknown import format xml."


def test_the_job_page_shows_the_error_in_the_readers_language(client):
    starter = staff_user(StaffRole.ADMIN, username="starter", language="en")
    job = Job.objects.create(kind=IMPORT_JOB_KIND, requested_by=starter, params={"format": "xml"})
    job_execute(job_id=job.pk)
    starter.language = "es"
    starter.save(update_fields=["language"])
    client.force_login(starter)

    content = client.get(reverse("dashboard:job_detail", args=[job.pk])).content.decode()

    assert "Formato de importación desconocido: xml." in content
    assert "Unknown import format" not in content


def test_errors_stored_as_text_still_show():
    assert job_error_message({"message": "Bad value", "row": 3, "column": "name"}) == "Bad value"


def test_a_jobs_result_shows_labels_not_codes():
    job = Job(kind=IMPORT_JOB_KIND, result={"format": "organizations", "dry_run": True, "rows": 3})

    with translation.override("es"):
        items = {str(label): str(value) for label, value in job_result_items(job)}

    assert items["Formato del archivo"] == "Organizaciones"
    assert items["Prueba (no se guardó nada)"] == "Sí"
