"""Exports as spreadsheets (issue 12, item 10): typed XLSX cells, widths, a frozen header and
an autofilter; FLO IDs sortable as numbers; a people export with the directory's filters,
personal data only for the roles allowed to have it in bulk."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from clac.roles import StaffRole
from members.models import Affiliation, Consent
from tests.factories import (
    AffiliationFactory,
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    country,
    staff_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def _workbook(response):
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_registry_xlsx_has_widths_a_frozen_header_an_autofilter_and_typed_cells(client):
    for flo_id in ("12649", "127", "2145"):
        MembershipFactory(organization=OrganizationFactory(flo_id=flo_id), joined_on=datetime.date(2019, 5, 2))
    client.force_login(staff_user(StaffRole.VIEWER))

    response = client.get(reverse("members:organization_export"), {"format": "xlsx", "sort": "flo_id"})

    sheet = _workbook(response).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:Q4"
    assert sheet.column_dimensions["C"].width == 40
    assert [sheet.cell(row, 1).value for row in (2, 3, 4)] == ["127", "2145", "12649"]
    assert sheet.cell(2, 1).data_type == "s"
    assert [sheet.cell(row, 2).value for row in (2, 3, 4)] == [127, 2145, 12649]
    member_since = sheet.cell(2, 11)
    assert member_since.value == datetime.datetime(2019, 5, 2)
    assert member_since.is_date and member_since.number_format == "yyyy-mm-dd"


@pytest.fixture
def directory():
    pe, co = (
        OrganizationFactory(country=country("PE"), name="Pangoa", flo_id="2145"),
        OrganizationFactory(country=country("CO"), name="Fedecafe"),
    )
    rosa = PersonFactory(first_name="Rosa", last_name="Álvarez", normalized_name="alvarez rosa", email="rosa@pangoa.pe")
    AffiliationFactory(person=rosa, organization=pe, role=Affiliation.Role.MANAGER)
    Consent.objects.create(
        person=rosa, channel="email", granted=True, given_at=datetime.datetime.now(datetime.UTC), method="form"
    )
    juan = PersonFactory(first_name="Juan", last_name="Bravo", normalized_name="bravo juan")
    AffiliationFactory(person=juan, organization=pe, role=Affiliation.Role.BOARD_MEMBER)
    luz = PersonFactory(first_name="Luz", last_name="Castro", normalized_name="castro luz")
    AffiliationFactory(person=luz, organization=co, role=Affiliation.Role.MANAGER)
    return {"rosa": rosa, "juan": juan, "luz": luz}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["Álvarez", "Bravo", "Castro"]),
        ({"country": "PE"}, ["Álvarez", "Bravo"]),
        ({"role": "manager"}, ["Álvarez", "Castro"]),
        ({"q": "rosa alvarez"}, ["Álvarez"]),
    ],
)
def test_people_export_has_the_rows_of_the_directory_with_the_same_filters(client, directory, params, expected):
    client.force_login(staff_user(StaffRole.ADMIN))

    rows = _csv_rows(client.get(reverse("members:person_export"), {"format": "csv", **params}))
    listed = client.get(reverse("members:person_list"), params)

    assert sorted(row[0] for row in rows[1:]) == sorted(expected)
    # In the directory's order (the database's collation decides where "Á" goes).
    assert [row[0] for row in rows[1:]] == [p.last_name for p in listed.context["page_obj"]]


@pytest.mark.parametrize(
    ("role", "personal"),
    [
        (StaffRole.ADMIN, True),
        (StaffRole.ME_OFFICER, True),
        (StaffRole.COMMUNICATIONS, True),
        (StaffRole.VIEWER, False),
        (StaffRole.FINANCE, False),
    ],
)
def test_people_export_carries_personal_data_only_for_allowed_roles(client, directory, role, personal):
    client.force_login(staff_user(role))

    for export_format in ("csv", "xlsx"):
        response = client.get(reverse("members:person_export"), {"format": export_format, "q": "rosa"})
        assert response.status_code == 200
        body = b"".join(response.streaming_content)
        if export_format == "csv":
            rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        else:
            rows = [list(r) for r in load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True)]
        assert ("Email" in rows[0]) is personal
        flat = " ".join(str(cell) for row in rows for cell in row if cell)
        assert ("rosa@pangoa.pe" in flat) is personal
        assert ("+51" in flat) is personal
        assert "Pangoa (Manager)" in flat
    if personal:
        assert rows[1][rows[0].index("Agrees to email")] == "Yes"


def test_people_export_query_count_does_not_grow_with_rows(client, directory, django_assert_max_num_queries):
    client.force_login(staff_user(StaffRole.ADMIN))
    with CaptureQueriesContext(connection) as few:
        assert len(_csv_rows(client.get(reverse("members:person_export"), {"format": "csv"}))) == 4
    org = OrganizationFactory()
    for _index in range(30):
        AffiliationFactory(person=PersonFactory(), organization=org)

    with django_assert_max_num_queries(len(few.captured_queries)):
        sheet = _workbook(client.get(reverse("members:person_export"), {"format": "xlsx"})).active

    assert sheet.max_row == 34
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == "A1:K34"


@pytest.mark.parametrize("params", [{"format": "pdf"}, {"role": "pope"}, {"country": "999999"}])
def test_people_export_with_bad_parameters_is_refused_without_a_file(client, directory, params):
    client.force_login(staff_user(StaffRole.ADMIN))

    response = client.get(reverse("members:person_export"), {"format": "csv", **params})

    assert response.status_code == 400
    assert "Content-Disposition" not in response


def test_people_export_is_for_staff_only(client, portal_editor):
    client.force_login(portal_editor)
    assert client.get(reverse("members:person_export"), {"format": "csv"}).status_code == 403
