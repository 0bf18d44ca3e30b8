"""An import's row errors read in the reader's language, whoever started it (issue 12, item
11): each error is stored as its English source (msgid) and parameters and translated when the
job page shows it; the errors CSV, written once by the job, is in the starter's language."""

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from clac.models import Job
from clac.roles import StaffRole
from members.importing import RowError
from tests.factories import staff_user

pytestmark = pytest.mark.django_db

ROWS_WITH_ERRORS = (
    b"flo_id,name,country,kind,founding_year\n"
    b"2145,Cooperativa Pangoa,ZZ,spo,1977\n"
    b"3001,Cooperativa Norte,PE,xyz,1990\n"
    b"3002,Cooperativa Sur,PE,spo,1800\n"
)
COUNTRY = {
    "en": "Unknown country code ZZ. Use the ISO code of a CLAC country, e.g. PE, CO, MX.",
    "es": "Código de país desconocido: ZZ. Use el código ISO de un país de CLAC, p. ej. PE, CO, MX.",
    "fr": "Code pays inconnu : ZZ. Utilisez le code ISO d'un pays de la CLAC, p. ex. PE, CO, MX.",
}
YEAR = {
    "en": "The year must be between 1850 and 2100.",
    "es": "El año debe estar entre 1850 y 2100.",
    "fr": "L'année doit être comprise entre 1850 et 2100.",
}


def start_import(client, capture, starter) -> Job:
    client.force_login(starter)
    upload = SimpleUploadedFile("registry.csv", ROWS_WITH_ERRORS, content_type="text/csv")
    with capture(execute=True), translation.override(starter.language):
        client.post(reverse("members:import_upload"), {"file": upload, "format": ""})
    job = Job.objects.get()
    assert job.status == Job.Status.SUCCEEDED
    return job


def job_page(client, reader, job: Job) -> str:
    client.force_login(reader)
    return html.unescape(client.get(reverse("dashboard:job_detail", args=[job.pk])).content.decode())


@pytest.mark.parametrize("reader_language", ["en", "fr"])
def test_a_spanish_starters_import_errors_read_in_the_readers_language(
    client, django_capture_on_commit_callbacks, reader_language
):
    starter = staff_user(StaffRole.ADMIN, username="starter", language="es")
    job = start_import(client, django_capture_on_commit_callbacks, starter)
    reader = staff_user(StaffRole.ADMIN, username="reader", language=reader_language)

    content = job_page(client, reader, job)

    assert COUNTRY[reader_language] in content
    assert YEAR[reader_language] in content
    assert COUNTRY["es"] not in content
    assert YEAR["es"] not in content


def test_the_stored_errors_keep_the_msgid_params_and_english_text(client, django_capture_on_commit_callbacks):
    starter = staff_user(StaffRole.ADMIN, username="starter", language="es")
    job = start_import(client, django_capture_on_commit_callbacks, starter)

    by_row = {error["row"]: error for error in job.errors}
    assert by_row[2]["message"] == COUNTRY["en"]
    assert by_row[2]["message_id"].startswith("Unknown country code %(value)s.")
    assert by_row[2]["params"] == {"value": "ZZ"}
    assert by_row[2]["column"] == "country"
    assert by_row[3]["message"].startswith("Unknown kind of organization xyz. Use one of: ")
    assert by_row[4]["message"] == YEAR["en"]


def test_the_errors_csv_is_in_the_starters_language(client, django_capture_on_commit_callbacks):
    starter = staff_user(StaffRole.ADMIN, username="starter", language="es")
    job = start_import(client, django_capture_on_commit_callbacks, starter)

    with job.result_file.open("rb") as handle:
        content = handle.read().decode("utf-8-sig")

    assert COUNTRY["es"] in content
    assert YEAR["es"] in content
    assert COUNTRY["en"] not in content


def test_a_row_error_is_rendered_in_the_active_language():
    error = RowError(
        2,
        "country",
        "Unknown country code %(value)s. Use the ISO code of a CLAC country, e.g. PE, CO, MX.",
        {"value": "ZZ"},
    )

    with translation.override("fr"):
        assert error.message == COUNTRY["fr"]
    with translation.override("en"):
        assert error.message == COUNTRY["en"]
