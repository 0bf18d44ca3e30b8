"""Registry import (members.importing): validation with row/column
errors, dry runs that write nothing, idempotent upserts, CSV dialects, XLSX, batches, the
background job and the management command."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from clac.jobs import job_enqueue
from clac.models import Job
from clac.roles import StaffRole
from members.importing import COMBINED_COLUMNS, ORGANIZATION_COLUMNS, PERSON_COLUMNS, registry_import
from members.models import (
    Affiliation,
    Certification,
    Consent,
    Membership,
    MembershipEvent,
    Organization,
    Person,
)
from members.tasks import IMPORT_JOB_KIND
from tests.factories import (
    AffiliationFactory,
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    country,
    product,
    staff_user,
)


def csv_bytes(rows: list[dict], columns, *, delimiter: str = ",", bom: bool = False) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(c, "") for c in columns])
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def org_row(**overrides) -> dict:
    row = {
        "flo_id": "2145",
        "name": "Cooperativa Agraria Cafetalera Pangoa",
        "kind": "spo",
        "country": "PE",
        "legal_name": "Cooperativa Agraria Cafetalera Pangoa Ltda.",
        "tax_id": "20131540681",
        "region": "Junín",
        "locality": "San Martín de Pangoa",
        "latitude": "-11.4275",
        "longitude": "-74.4886",
        "products": "coffee|cocoa",
        "founding_year": "1977",
        "website": "https://www.coopangoa.example.org",
        "email": "info@coopangoa.example.org",
        "phone": "+5164301234",
        "membership_status": "active",
        "certification_standard": "spo",
        "certification_status": "certified",
        "cycle_start": "2024-03-01",
        "cycle_end": "2027-02-28",
    }
    row.update(overrides)
    return row


def person_row(**overrides) -> dict:
    row = {
        "email": "gerencia@coopangoa.example.org",
        "first_name": "Esperanza",
        "last_name": "Dionisio",
        "phone": "+51987654321",
        "preferred_language": "es",
        "gender": "female",
        "organization_flo_id": "2145",
        "role": "manager",
        "start_date": "2019-01-15",
        "is_primary": "yes",
        "consent_email": "yes",
    }
    row.update(overrides)
    return row


def combined_row(org: dict | None = None, **person) -> dict:
    row = dict(org or org_row())
    row.update({f"person_{k}": v for k, v in person_row(**person).items() if k != "organization_flo_id"})
    return row


def run_import(content: bytes, *, filename: str = "registry.csv", **kwargs):
    result = registry_import(file=io.BytesIO(content), filename=filename, **kwargs)
    result.close()
    return result


def table_counts() -> dict[str, int]:
    """Rows in every table of the registry and its history, and the jobs table."""
    models = [*apps.get_app_config("members").get_models(), Job]
    return {model._meta.label: model._base_manager.count() for model in models}


@pytest.fixture
def actor(db):
    return staff_user(StaffRole.ADMIN, username="importer")


# --- Validation and dry run -----------------------------------------------------------------


BAD_ROWS = [
    org_row(),
    org_row(flo_id="12345678", name="Coop Dos", tax_id=""),  # FLO ID too long
    org_row(flo_id="3001", name="Coop Tres", country="XX"),  # unknown country
    org_row(flo_id="3002", name="Coop Cuatro", latitude="40.1", longitude="-3.7"),  # Madrid, not Peru
    org_row(flo_id="3003", name="Coop Cinco", products="coffee|tea", kind="cooperative"),
    org_row(flo_id="3004", name="Coop Seis", phone="987 654", email="not-an-email"),
    org_row(flo_id="3005", name="Coop Siete", cycle_start="2027-01-01", cycle_end="2024-01-01"),
]


@pytest.mark.django_db
def test_dry_run_writes_nothing_and_reports_every_bad_row_with_row_column_and_message(actor):
    before = table_counts()

    result = run_import(csv_bytes(BAD_ROWS, ORGANIZATION_COLUMNS), dry_run=True, actor=actor)

    assert table_counts() == before
    assert result.rows == 7
    assert result.rows_with_errors == 6
    found = {(e.row, e.column) for e in result.errors}
    assert found == {
        (3, "flo_id"),
        (4, "country"),
        (5, "latitude"),
        (6, "products"),
        (6, "kind"),
        (7, "phone"),
        (7, "email"),
        (8, "cycle_end"),
    }
    assert all(e.message for e in result.errors)
    messages = {e.column: e.message for e in result.errors}
    assert "tea" in messages["products"]
    assert "+51987654321" in messages["phone"]
    # The valid row is counted as what would happen.
    assert result.counts["organizations_created"] == 1


@pytest.mark.django_db
def test_real_run_imports_the_valid_rows_and_skips_the_bad_ones(actor):
    result = run_import(csv_bytes(BAD_ROWS, ORGANIZATION_COLUMNS), actor=actor)

    assert result.rows_with_errors == 6
    assert list(Organization.objects.values_list("flo_id", flat=True)) == ["2145"]
    org = Organization.objects.get(flo_id="2145")
    assert org.country_id == "PE"
    assert org.latitude == Decimal("-11.427500")
    assert org.normalized_name == "agraria cafetalera pangoa"
    assert set(org.products.values_list("code", flat=True)) == {"coffee", "cocoa"}
    assert org.membership.status == Membership.Status.ACTIVE
    cert = org.certifications.get()
    assert (cert.standard, cert.status, cert.cycle_end) == ("spo", "certified", datetime.date(2027, 2, 28))


@pytest.mark.django_db
def test_dry_run_checks_rows_against_the_registry_too(actor):
    before = table_counts()
    content = csv_bytes([person_row(organization_flo_id="9999999")], PERSON_COLUMNS)

    result = run_import(content, dry_run=True, actor=actor)

    assert table_counts() == before
    assert [(e.row, e.column) for e in result.errors] == [(2, "organization_flo_id")]
    assert "9999999" in result.errors[0].message


@pytest.mark.django_db
def test_unknown_columns_stop_the_import_before_any_row(actor):
    before = table_counts()
    content = csv_bytes([org_row(colour="blue")], [*ORGANIZATION_COLUMNS, "colour"])

    result = run_import(content, actor=actor)

    assert result.aborted
    assert table_counts() == before
    assert [(e.row, e.column) for e in result.errors] == [(1, "colour")]


@pytest.mark.django_db
def test_a_file_that_is_not_utf8_is_refused_with_a_clear_message(actor):
    content = "name;country\nCooperativa Señor;PE\n".encode("latin-1")

    result = run_import(content, actor=actor)

    assert result.aborted
    assert "UTF-8" in result.errors[0].message
    assert not Organization.objects.exists()


@pytest.mark.django_db
def test_new_organization_needs_a_name_and_country(actor):
    content = csv_bytes([{"flo_id": "7777", "locality": "Somewhere"}], ["flo_id", "locality"])

    result = run_import(content, actor=actor)

    assert [(e.row, e.column) for e in result.errors] == [(2, "name")]
    assert not Organization.objects.exists()


@pytest.mark.django_db
def test_coordinates_are_checked_against_the_existing_organizations_country(actor):
    OrganizationFactory(flo_id="2145", country=country("PE"))
    content = csv_bytes(
        [{"flo_id": "2145", "latitude": "19.43", "longitude": "-99.13"}], ["flo_id", "latitude", "longitude"]
    )

    result = run_import(content, actor=actor)

    assert [(e.row, e.column) for e in result.errors] == [(2, "latitude")]
    assert Organization.objects.get(flo_id="2145").latitude is None


# --- Upserts and idempotency -----------------------------------------------------------------


@pytest.mark.django_db
def test_importing_the_same_file_twice_changes_nothing(actor):
    rows = [
        combined_row(),
        combined_row(email="presidencia@coopangoa.example.org", first_name="Juan", role="board_member",
                     is_primary="no"),
        combined_row(org_row(flo_id="", name="Asociación de Productores Nueva Esperanza", country="CO", latitude="",
                             longitude="", certification_standard="", certification_status="", cycle_start="",
                             cycle_end="", membership_status=""), email="ana@nueva.example.org", phone=""),
    ]  # fmt: skip
    content = csv_bytes(rows, COMBINED_COLUMNS)
    first = run_import(content, actor=actor)
    assert first.rows_with_errors == 0, first.errors
    after_first = table_counts()

    second = run_import(content, actor=actor)

    assert second.rows_with_errors == 0
    assert table_counts() == after_first
    assert second.counts == {"organizations_unchanged": 2, "people_unchanged": 3}


@pytest.mark.django_db
def test_upsert_by_flo_id_updates_only_the_changed_fields_and_records_history(actor):
    org = OrganizationFactory(flo_id="2145", name="Pangoa", locality="Pangoa", region="Junín", website="https://a.org")
    MembershipFactory(organization=org, status=Membership.Status.SUSPENDED)
    history_before = org.history.count()
    row = {
        "flo_id": "2145",
        "locality": "San Martín de Pangoa",
        "region": "Junín",
        "website": "",
        "membership_status": "active",
    }
    content = csv_bytes([row], ["flo_id", "locality", "region", "website", "membership_status"])

    result = run_import(content, actor=actor, filename="update.csv")

    assert result.counts["organizations_updated"] == 1
    org.refresh_from_db()
    assert org.locality == "San Martín de Pangoa"
    assert org.name == "Pangoa"
    assert org.website == "https://a.org"  # an empty cell never erases
    # Membership status changes go through the membership actions, with a reason: not imports.
    assert org.membership.status == Membership.Status.SUSPENDED
    assert org.history.count() == history_before + 1
    record = org.history.first()
    assert record.history_user == actor
    assert "update.csv" in record.history_change_reason
    assert record.history_type == "~"


@pytest.mark.django_db
def test_rows_without_flo_id_match_by_country_and_normalized_name(actor):
    org = OrganizationFactory(flo_id="", name="Cooperativa Agraria Pangoa Ltda.", country=country("PE"))
    org.normalized_name = "agraria pangoa"
    org.save()
    content = csv_bytes(
        [{"name": "COOPERATIVA AGRARIA PANGOA", "country": "PE", "locality": "Pangoa"}], ["name", "country", "locality"]
    )

    result = run_import(content, actor=actor)

    assert result.counts == {"organizations_updated": 1, "memberships_created": 1}
    assert Organization.objects.count() == 1
    org.refresh_from_db()
    assert org.locality == "Pangoa"
    assert org.name == "COOPERATIVA AGRARIA PANGOA"


@pytest.mark.django_db
def test_a_flo_id_completes_an_applicant_registered_without_one(actor):
    org = OrganizationFactory(flo_id="", name="Pangoa", country=country("PE"))
    org.normalized_name = "pangoa"
    org.save()
    other = OrganizationFactory(flo_id="555", name="Pangoa", country=country("PE"))
    other.normalized_name = "pangoa"
    other.save()

    run_import(csv_bytes([{"flo_id": "2145", "name": "Pangoa", "country": "PE"}], ["flo_id", "name", "country"]))

    assert Organization.objects.count() == 2
    org.refresh_from_db()
    assert org.flo_id == "2145"


@pytest.mark.django_db
def test_new_organizations_get_a_membership_with_its_first_event(actor):
    rows = [org_row(membership_status=""), org_row(flo_id="2146", name="Coop B", membership_status="active")]

    run_import(csv_bytes(rows, ORGANIZATION_COLUMNS), actor=actor)

    first = Organization.objects.get(flo_id="2145").membership
    second = Organization.objects.get(flo_id="2146").membership
    assert first.status == Membership.Status.APPLICANT
    assert second.status == Membership.Status.ACTIVE
    event = MembershipEvent.objects.get(membership=second)
    assert (event.from_status, event.to_status, event.actor) == ("", "active", actor)
    assert first.history.get().history_user == actor


@pytest.mark.django_db
def test_an_existing_organization_without_membership_gets_one(actor):
    OrganizationFactory(flo_id="2145")

    run_import(csv_bytes([{"flo_id": "2145", "membership_status": "active"}], ["flo_id", "membership_status"]))

    assert Organization.objects.get(flo_id="2145").membership.status == Membership.Status.ACTIVE


@pytest.mark.django_db
def test_the_products_column_replaces_the_organizations_products(actor):
    org = OrganizationFactory(flo_id="2145")
    org.products.set([product("coffee"), product("honey")])

    run_import(csv_bytes([{"flo_id": "2145", "products": "coffee|cocoa"}], ["flo_id", "products"]))

    assert set(org.products.values_list("code", flat=True)) == {"coffee", "cocoa"}


@pytest.mark.django_db
def test_a_suspended_certificate_flags_the_membership_for_review(actor):
    org = OrganizationFactory(flo_id="2145")
    MembershipFactory(organization=org)
    Certification.objects.create(
        organization=org, standard="spo", status="certified", cycle_end=datetime.date(2027, 1, 1)
    )
    content = csv_bytes(
        [{"flo_id": "2145", "certification_standard": "spo", "certification_status": "suspended"}],
        ["flo_id", "certification_standard", "certification_status"],
    )

    run_import(content, actor=actor)

    membership = Membership.objects.get(organization=org)
    assert membership.status == Membership.Status.ACTIVE
    assert membership.review_requested_at is not None
    assert "suspended" in membership.review_reason.lower() or "Suspend" in membership.review_reason
    assert org.certifications.get().status == "suspended"


@pytest.mark.django_db
def test_people_file_upserts_by_email_and_affiliates_to_the_organization(actor):
    org = OrganizationFactory(flo_id="2145")
    person = PersonFactory(email="gerencia@coopangoa.example.org", first_name="Esperanza", last_name="Diaz")
    content = csv_bytes(
        [
            person_row(email="GERENCIA@coopangoa.example.org", last_name="Dionisio"),
            person_row(
                email="tesoreria@coopangoa.example.org", first_name="Luis", role="board_member", is_primary="no"
            ),
        ],
        PERSON_COLUMNS,
    )

    result = run_import(content, actor=actor)

    assert result.rows_with_errors == 0, result.errors
    assert result.counts["people_updated"] == 1
    assert result.counts["people_created"] == 1
    person.refresh_from_db()
    assert person.last_name == "Dionisio"
    assert person.normalized_name == "dionisio esperanza"
    affiliation = Affiliation.objects.get(person=person)
    assert (affiliation.organization, affiliation.role, affiliation.is_primary) == (org, "manager", True)
    consent = Consent.objects.get(person=person, channel="email")
    assert consent.granted is True and consent.method == "import" and consent.recorded_by == actor
    new = Person.objects.get(email="tesoreria@coopangoa.example.org")
    assert new.affiliations.get().role == "board_member"
    assert new.history.get().history_user == actor


@pytest.mark.django_db
def test_an_existing_open_affiliation_is_updated_not_duplicated(actor):
    org = OrganizationFactory(flo_id="2145")
    affiliation = AffiliationFactory(
        organization=org,
        person=PersonFactory(email="gerencia@coopangoa.example.org"),
        role="manager",
        is_primary=False,
    )

    run_import(csv_bytes([person_row(consent_email="")], PERSON_COLUMNS), actor=actor)

    assert Affiliation.objects.count() == 1
    affiliation.refresh_from_db()
    assert affiliation.is_primary is True
    assert affiliation.start_date == datetime.date(2019, 1, 15)


@pytest.mark.django_db
def test_people_without_email_are_matched_by_phone(actor):
    person = PersonFactory(email="", phone="+51987654321", first_name="Rosa")

    result = run_import(
        csv_bytes(
            [{"phone": "+51 987 654 321", "first_name": "Rosa", "gender": "female"}], ["phone", "first_name", "gender"]
        )
    )

    assert result.counts == {"people_updated": 1}
    person.refresh_from_db()
    assert person.gender == "female"


@pytest.mark.django_db
def test_bom_semicolons_and_decimal_commas_are_read(actor):
    row = org_row(latitude="-11,4275", longitude="-74,4886")
    content = csv_bytes([row], ORGANIZATION_COLUMNS, delimiter=";", bom=True)

    result = run_import(content, actor=actor)

    assert result.rows_with_errors == 0, result.errors
    assert Organization.objects.get(flo_id="2145").longitude == Decimal("-74.488600")


@pytest.mark.django_db
def test_xlsx_files_are_imported(actor):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["FLO ID", "Name", "Country", "Founding year", "Cycle start", "Cycle end", "Certification standard"])
    sheet.append([2145, "Coop Excel", "pe", 1977, datetime.datetime(2024, 3, 1), datetime.date(2027, 2, 28), "spo"])
    sheet.append([None, None, None, None, None, None, None])
    sheet.append([2146, "Coop Dos", "ZZ", 1980, None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)

    result = run_import(buffer.getvalue(), filename="registry.xlsx", actor=actor)

    assert result.rows == 2
    assert [(e.row, e.column) for e in result.errors] == [(4, "country")]
    org = Organization.objects.get(flo_id="2145")
    assert (org.name, org.founding_year) == ("Coop Excel", 1977)
    assert org.certifications.get().cycle_start == datetime.date(2024, 3, 1)


@pytest.mark.django_db
def test_rows_of_one_organization_across_batches_are_imported_once(actor):
    rows = [combined_row(email=f"p{i}@coopangoa.example.org", role="delegate") for i in range(5)]
    rows += [combined_row(org_row(flo_id="2146", name="Otra"), email="x@otra.example.org")]

    result = run_import(csv_bytes(rows, COMBINED_COLUMNS), batch_size=2, actor=actor)

    assert result.rows_with_errors == 0, result.errors
    assert Organization.objects.count() == 2
    assert Membership.objects.count() == 2
    assert Affiliation.objects.filter(organization__flo_id="2145").count() == 5


@pytest.mark.django_db
def test_import_query_count_does_not_grow_with_rows(actor, django_assert_max_num_queries):
    def rows(n: int) -> bytes:
        return csv_bytes(
            [combined_row(org_row(flo_id=str(4000 + i), name=f"Coop {i}"), email=f"p{i}@x.org") for i in range(n)],
            COMBINED_COLUMNS,
        )

    with django_assert_max_num_queries(40):
        run_import(rows(5), actor=actor)
    Organization.objects.all().delete()
    Person.objects.all().delete()
    with django_assert_max_num_queries(40):
        run_import(rows(60), actor=actor)


# --- The background job and the command -------------------------------------------------------


@pytest.mark.django_db
def test_the_import_job_runs_the_upload_and_reports_errors_and_an_error_file(actor, django_capture_on_commit_callbacks):
    content = csv_bytes(BAD_ROWS, ORGANIZATION_COLUMNS)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(
            kind=IMPORT_JOB_KIND,
            requested_by=actor,
            params={"format": "organizations", "dry_run": False, "filename": "bad.csv"},
            input_file=SimpleUploadedFile("bad.csv", content),
        )

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.result["rows"] == 7
    assert job.result["rows_with_errors"] == 6
    assert job.result["organizations_created"] == 1
    assert (job.progress_done, job.progress_total) == (7, 7)
    assert {(e["row"], e["column"]) for e in job.errors} >= {(3, "flo_id"), (4, "country")}
    assert job.result_file.name.endswith(".csv")
    errors_csv = job.result_file.read().decode("utf-8-sig")
    assert errors_csv.splitlines()[0] == "row,column,message"
    assert Organization.objects.get().history.get().history_user == actor


@pytest.mark.django_db
def test_a_dry_run_job_writes_nothing(actor, django_capture_on_commit_callbacks):
    content = csv_bytes([org_row()], ORGANIZATION_COLUMNS)
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(
            kind=IMPORT_JOB_KIND,
            requested_by=actor,
            params={"dry_run": True, "filename": "ok.csv"},
            input_file=SimpleUploadedFile("ok.csv", content),
        )
    before = {label: n for label, n in table_counts().items() if label != "clac.Job"}
    job.refresh_from_db()

    assert job.status == Job.Status.SUCCEEDED
    assert job.result["dry_run"] is True
    assert job.result["organizations_created"] == 1
    assert not Organization.objects.exists()
    assert before == {label: n for label, n in table_counts().items() if label != "clac.Job"}


@pytest.mark.django_db
def test_a_job_with_an_unreadable_header_fails(actor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_enqueue(
            kind=IMPORT_JOB_KIND,
            requested_by=actor,
            params={"format": "people", "filename": "x.csv"},
            input_file=SimpleUploadedFile("x.csv", b"name,country\nCoop,PE\n"),
        )
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert any(e["column"] == "name" for e in job.errors)


@pytest.mark.django_db
def test_the_command_imports_a_file_and_prints_a_summary(tmp_path, actor, capsys):
    path = tmp_path / "registry.csv"
    path.write_bytes(csv_bytes([combined_row()], COMBINED_COLUMNS))

    call_command("import_registry", str(path), "--user", "importer")

    out = capsys.readouterr().out
    assert "organizations created: 1" in out
    assert Person.objects.get().history.get().history_user == actor


@pytest.mark.django_db
def test_the_command_dry_run_prints_the_error_table_and_fails(tmp_path, capsys):
    path = tmp_path / "registry.csv"
    path.write_bytes(csv_bytes(BAD_ROWS, ORGANIZATION_COLUMNS))
    before = table_counts()

    with pytest.raises(CommandError, match="6 rows have errors"):
        call_command("import_registry", str(path), "--dry-run", "--format", "organizations")

    out = capsys.readouterr().out
    assert "country" in out and "XX" in out
    assert table_counts() == before


@pytest.mark.django_db
def test_the_command_refuses_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_registry", str(tmp_path / "nope.csv"))
