"""The import pages of the dashboard: who may use them, the upload, the templates, the list."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clac.models import Job
from clac.roles import StaffRole
from members.importing import COMBINED_COLUMNS, ORGANIZATION_COLUMNS, PERSON_COLUMNS
from members.models import Organization
from members.tasks import IMPORT_JOB_KIND
from tests.factories import staff_user

EDITOR_ROLES = [StaffRole.ADMIN, StaffRole.COORDINATOR, StaffRole.ME_OFFICER]
REFUSED_ROLES = [StaffRole.VIEWER, StaffRole.FINANCE, StaffRole.COMMUNICATIONS]
CSV_CONTENT = b"flo_id,name,country\n2145,Cooperativa Pangoa,PE\n"


def upload(name: str = "registry.csv", content: bytes = CSV_CONTENT) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.mark.django_db
@pytest.mark.parametrize("role", EDITOR_ROLES)
def test_registry_editors_see_the_import_page(client, role):
    client.force_login(staff_user(role))

    response = client.get(reverse("members:import_list"))

    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content


@pytest.mark.django_db
@pytest.mark.parametrize("role", REFUSED_ROLES)
def test_other_staff_roles_cannot_import(client, role):
    client.force_login(staff_user(role))

    assert client.get(reverse("members:import_list")).status_code == 403
    assert client.post(reverse("members:import_upload"), {"file": upload()}).status_code == 403
    assert client.get(reverse("members:import_template", args=["organizations"])).status_code == 403
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_portal_users_cannot_import(client, portal_editor):
    client.force_login(portal_editor)

    assert client.get(reverse("members:import_list")).status_code == 403
    assert client.post(reverse("members:import_upload"), {"file": upload()}).status_code == 403
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_anonymous_users_are_sent_to_login(client):
    for response in (
        client.get(reverse("members:import_list")),
        client.post(reverse("members:import_upload"), {"file": upload()}),
        client.get(reverse("members:import_template", args=["people"])),
    ):
        assert response.status_code == 302
        assert reverse("login") in response["Location"]
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_upload_starts_an_import_job_and_redirects_to_its_page(client, django_capture_on_commit_callbacks):
    # Imports are for editors whose role reaches the whole registry (docs/decisions/0008).
    user = staff_user(StaffRole.ME_OFFICER)
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("members:import_upload"), {"file": upload(), "format": "organizations", "dry_run": "on"}
        )

    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:job_detail", kwargs={"pk": job.pk})
    assert job.kind == IMPORT_JOB_KIND
    assert job.requested_by == user
    assert job.params == {"format": "organizations", "dry_run": True, "filename": "registry.csv"}
    assert job.input_file.name
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.result["organizations_created"] == 1
    assert not Organization.objects.exists()  # a dry run


@pytest.mark.django_db
def test_a_real_import_upload_saves_the_rows(client, django_capture_on_commit_callbacks):
    user = staff_user(StaffRole.ME_OFFICER)
    client.force_login(user)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("members:import_upload"), {"file": upload(), "format": ""})

    org = Organization.objects.get(flo_id="2145")
    assert org.history.get().history_user == user
    assert Job.objects.get().params["format"] is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("registry.txt", CSV_CONTENT, b".csv"),
        ("registry.csv", b"", b"empty"),
    ],
)
def test_bad_uploads_are_refused_with_a_message_and_start_nothing(client, name, content, message):
    client.force_login(staff_user(StaffRole.ADMIN))

    response = client.post(reverse("members:import_upload"), {"file": upload(name, content), "format": "people"})

    assert response.status_code == 400
    assert not Job.objects.exists()
    assert b"field-invalid" in response.content


@pytest.mark.django_db
def test_too_large_uploads_are_refused(client, settings):
    settings.IMPORT_MAX_BYTES = 10
    client.force_login(staff_user(StaffRole.ADMIN))

    response = client.post(reverse("members:import_upload"), {"file": upload()})

    assert response.status_code == 400
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_a_get_on_the_upload_url_is_not_allowed(client):
    client.force_login(staff_user(StaffRole.ADMIN))

    assert client.get(reverse("members:import_upload")).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "columns"),
    [("organizations", ORGANIZATION_COLUMNS), ("people", PERSON_COLUMNS), ("combined", COMBINED_COLUMNS)],
)
def test_templates_download_with_the_columns_and_an_example(client, kind, columns):
    client.force_login(staff_user(StaffRole.ADMIN))

    response = client.get(reverse("members:import_template", args=[kind]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert tuple(rows[0]) == columns
    assert len(rows) == 2
    xlsx = client.get(reverse("members:import_template_xlsx", args=[kind]))
    assert xlsx.status_code == 200
    assert xlsx.content[:2] == b"PK"


@pytest.mark.django_db
def test_the_example_rows_of_the_templates_import_cleanly(client, django_capture_on_commit_callbacks):
    """The templates are what staff start from: their example rows must pass validation."""
    from members.importing import import_template_csv, registry_import

    for kind in ("organizations", "combined", "people"):
        result = registry_import(file=io.BytesIO(import_template_csv(kind)), filename=f"{kind}.csv")
        assert result.rows_with_errors == 0, (kind, result.errors)


@pytest.mark.django_db
def test_unknown_template_kind_is_404(client):
    client.force_login(staff_user(StaffRole.ADMIN))

    assert client.get(reverse("members:import_template", args=["finance"])).status_code == 404


@pytest.mark.django_db
def test_the_import_list_query_count_does_not_grow_with_jobs(client, django_assert_max_num_queries):
    user = staff_user(StaffRole.ADMIN)
    client.force_login(user)
    for index in range(15):
        Job.objects.create(
            kind=IMPORT_JOB_KIND,
            requested_by=staff_user(StaffRole.COORDINATOR, username=f"coord{index}"),
            params={"filename": f"file{index}.csv", "dry_run": bool(index % 2)},
            result={"rows_with_errors": index},
        )

    with django_assert_max_num_queries(8):
        response = client.get(reverse("members:import_list"))

    assert response.status_code == 200
    assert b"file14.csv" in response.content


@pytest.mark.django_db
def test_non_admin_editors_see_only_their_own_imports(client):
    mine = staff_user(StaffRole.COORDINATOR, username="mine")
    other = staff_user(StaffRole.COORDINATOR, username="other")
    Job.objects.create(kind=IMPORT_JOB_KIND, requested_by=mine, params={"filename": "mine.csv"})
    Job.objects.create(kind=IMPORT_JOB_KIND, requested_by=other, params={"filename": "theirs.csv"})
    client.force_login(mine)

    response = client.get(reverse("members:import_list"))

    assert b"mine.csv" in response.content
    assert b"theirs.csv" not in response.content
