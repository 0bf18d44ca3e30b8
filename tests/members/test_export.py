"""CSV and XLSX export of the registry list: exactly the filtered, sorted rows, all pages."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from members.models import Certification, Membership
from tests.factories import CertificationFactory, MembershipFactory, OrganizationFactory, country, product

pytestmark = pytest.mark.django_db

HEADER = [
    "FLO ID",
    "FLO ID (number)",
    "Name",
    "Legal name",
    "Kind",
    "Country",
    "Region",
    "Locality",
    "Products",
    "Membership status",
    "Member since",
    "Certification standard",
    "Certification status",
    "Certification cycle end (soonest)",
    "Website",
    "Email",
    "Phone",
]


@pytest.fixture(autouse=True)
def english(settings):
    # Assertions read English headers and labels; the default language is Spanish.
    settings.LANGUAGE_CODE = "en"


def _csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def _xlsx_rows(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    return [["" if value is None else value for value in row] for row in workbook.active.iter_rows(values_only=True)]


def _export(client, export_format: str, **params):
    return client.get(reverse("members:organization_export"), {"format": export_format, **params})


@pytest.fixture
def registry():
    """60 Peruvian coffee organizations (more than one page of 50) and some that do not match."""
    for index in range(60):
        org = OrganizationFactory(name=f"Coop {index:02d}", country=country("PE"), flo_id=str(5000 + index))
        org.products.set([product("coffee")])
        MembershipFactory(organization=org)
    OrganizationFactory(name="Coop Colombia", country=country("CO")).products.set([product("coffee")])
    OrganizationFactory(name="Coop Cacao Peru", country=country("PE")).products.set([product("cocoa")])


@pytest.mark.parametrize(("export_format", "read"), [("csv", _csv_rows), ("xlsx", _xlsx_rows)])
def test_export_contains_exactly_the_filtered_rows_of_every_page_in_order(
    client, viewer_user, registry, export_format, read
):
    client.force_login(viewer_user)
    filters = {"country": "PE", "product": "coffee", "sort": "-name"}

    response = _export(client, export_format, page="2", **filters)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = read(response)
    assert rows[0] == HEADER
    assert [row[2] for row in rows[1:]] == [f"Coop {index:02d}" for index in reversed(range(60))]
    listed = client.get(reverse("members:organization_list"), filters)
    assert [org.name for org in listed.context["page_obj"]] == [row[2] for row in rows[1:51]]


def test_export_rows_have_every_column(client, viewer_user):
    org = OrganizationFactory(
        name="Cooperativa Pangoa",
        legal_name="Cooperativa Agraria Cafetalera Pangoa Ltda.",
        flo_id="2145",
        region="Junín",
        locality="San Martín de Pangoa",
        website="https://pangoa.example.org",
        email="info@pangoa.example.org",
        phone="+5164555123",
    )
    org.products.set([product("coffee"), product("cocoa")])
    MembershipFactory(organization=org, status=Membership.Status.ACTIVE)
    CertificationFactory(organization=org, standard=Certification.Standard.SPO)
    CertificationFactory(organization=org, standard=Certification.Standard.HL, status="suspended")
    client.force_login(viewer_user)

    csv_row = _csv_rows(_export(client, "csv"))[1]
    xlsx_row = _xlsx_rows(_export(client, "xlsx"))[1]

    expected = [
        "2145",
        "2145",
        "Cooperativa Pangoa",
        "Cooperativa Agraria Cafetalera Pangoa Ltda.",
        "Small producer organization",
        "Peru",
        "Junín",
        "San Martín de Pangoa",
        "Cocoa; Coffee",
        "Active",
        "2015-03-01",
        # Certificates in the order of their standard's code (hl, spo).
        "Hired Labour; Small Producer Organizations",
        "Suspended; Certified",
        "2027-01-01",
        "https://pangoa.example.org",
        "info@pangoa.example.org",
        "+5164555123",
    ]
    assert csv_row == expected
    # The XLSX holds typed cells: the FLO ID as text, its number, dates as dates.
    typed = list(expected)
    typed[1] = 2145
    typed[10] = datetime.datetime(2015, 3, 1)
    typed[13] = datetime.datetime(2027, 1, 1)
    assert xlsx_row == typed


def test_export_defuses_spreadsheet_formulas(client, viewer_user):
    OrganizationFactory(name='=HYPERLINK("http://evil.example")', legal_name="@SUM(A1)", phone="+51987654321")
    client.force_login(viewer_user)

    csv_row = _csv_rows(_export(client, "csv"))[1]
    xlsx_row = _xlsx_rows(_export(client, "xlsx"))[1]

    for row in (csv_row, xlsx_row):
        assert row[2].startswith("'=")
        assert row[3] == "'@SUM(A1)"
        assert row[16] == "+51987654321"


@pytest.mark.parametrize("params", [{"country": "XX"}, {"format": "pdf"}, {"sort": "password"}])
def test_export_with_invalid_parameters_shows_the_errors_and_no_file(client, viewer_user, params):
    OrganizationFactory()
    client.force_login(viewer_user)

    response = client.get(reverse("members:organization_export"), {"format": "csv", **params})

    assert response.status_code == 400
    assert "Content-Disposition" not in response
    assert response.context["filter_form"].errors


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_export_query_count_does_not_grow_with_rows(client, viewer_user, export_format, django_assert_max_num_queries):
    def rows(count: int) -> None:
        for _index in range(count):
            org = OrganizationFactory()
            org.products.set([product("coffee"), product("honey")])
            MembershipFactory(organization=org)
            CertificationFactory(organization=org)

    client.force_login(viewer_user)
    rows(5)
    with CaptureQueriesContext(connection) as few:
        assert len(_csv_rows(_export(client, "csv"))) == 6
    rows(45)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = _export(client, export_format)
        body = b"".join(response.streaming_content)

    assert body


def test_export_is_for_staff_only(client, portal_editor):
    url = reverse("members:organization_export")

    anonymous = client.get(url, {"format": "csv"})
    client.force_login(portal_editor)
    portal = client.get(url, {"format": "csv"})

    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("login"))
    assert portal.status_code == 403
