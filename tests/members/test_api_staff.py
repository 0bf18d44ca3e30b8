"""Staff endpoints of the registry: organizations, people, affiliations, yearly reports."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from clac.roles import StaffRole
from members.models import (
    Affiliation,
    Certification,
    Membership,
    Organization,
    Person,
    YearlyReport,
    YearlyReportEvent,
    YearlyReportProduct,
)
from tests.factories import (
    AffiliationFactory,
    CertificationFactory,
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    YearlyReportFactory,
    country,
    product,
    staff_user,
)

ORGS = "/api/v1/organizations/"
PEOPLE = "/api/v1/people/"
AFFILIATIONS = "/api/v1/affiliations/"
REPORTS = "/api/v1/yearly-reports/"


def staff_client(role: str = StaffRole.ADMIN) -> APIClient:
    client = APIClient()
    client.force_login(staff_user(role))
    return client


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def assert_invalid(response, *fields: str) -> dict:
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid"
    for field in fields:
        assert field in error["details"], error
    return error


# --- Organizations ------------------------------------------------------------------------


def test_staff_list_shows_every_organization_with_private_fields(db):
    applicant = OrganizationFactory(tax_id="20512345678", email="info@coop.example.org")
    MembershipFactory(organization=applicant, status=Membership.Status.APPLICANT)
    no_membership = OrganizationFactory()
    response = staff_client(StaffRole.VIEWER).get(ORGS)
    assert ids(response) == {applicant.pk, no_membership.pk}
    rows = {row["id"]: row for row in response.json()["results"]}
    assert rows[applicant.pk]["tax_id"] == "20512345678"
    assert rows[applicant.pk]["email"] == "info@coop.example.org"
    assert rows[applicant.pk]["membership"]["status"] == "applicant"
    assert rows[no_membership.pk]["membership"] is None


def test_staff_organization_filters_and_search(db):
    pe = OrganizationFactory(name="Central Piura", locality="Piura", flo_id="777")
    pe.products.set([product("banana")])
    MembershipFactory(organization=pe, status=Membership.Status.SUSPENDED)
    CertificationFactory(organization=pe, status=Certification.Status.DECERTIFIED)
    co = OrganizationFactory(country=country("CO"), kind=Organization.Kind.HL)
    client = staff_client()
    assert ids(client.get(ORGS, {"country": "CO"})) == {co.pk}
    assert ids(client.get(ORGS, {"kind": "hl"})) == {co.pk}
    assert ids(client.get(ORGS, {"product": "banana"})) == {pe.pk}
    assert ids(client.get(ORGS, {"membership_status": "suspended"})) == {pe.pk}
    assert ids(client.get(ORGS, {"certification_status": "decertified"})) == {pe.pk}
    assert ids(client.get(ORGS, {"search": "777"})) == {pe.pk}
    assert ids(client.get(ORGS, {"search": "piura"})) == {pe.pk}


def test_staff_organization_detail(db):
    org = OrganizationFactory(latitude=Decimal("-11.1"), longitude=Decimal("-75.2"))
    org.products.set([product("coffee")])
    response = staff_client(StaffRole.VIEWER).get(f"{ORGS}{org.pk}/")
    assert response.status_code == 200
    body = response.json()
    assert body["products"] == ["coffee"]
    assert body["country"]["code"] == "PE"
    assert Decimal(body["latitude"]) == Decimal("-11.1")
    assert staff_client().get(f"{ORGS}999999/").status_code == 404


def test_staff_organization_list_query_count_does_not_grow(db, django_assert_max_num_queries):
    def seed(count: int) -> None:
        union = OrganizationFactory(kind=Organization.Kind.SPO2)
        for _ in range(count):
            org = OrganizationFactory(parent=union)
            org.products.set([product("coffee"), product("honey")])
            MembershipFactory(organization=org)
            CertificationFactory(organization=org)

    client = staff_client()
    seed(4)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(ORGS, {"page_size": 100}).json()["results"]) == 5
    seed(24)
    with django_assert_max_num_queries(len(few)):
        assert len(client.get(ORGS, {"page_size": 100}).json()["results"]) == 30


@pytest.mark.parametrize("role", [StaffRole.ADMIN, StaffRole.COORDINATOR, StaffRole.ME_OFFICER])
def test_registry_editors_create_an_organization(db, role):
    union = OrganizationFactory(kind=Organization.Kind.SPO2)
    payload = {
        "kind": "spo",
        "name": "Cooperativa Nueva",
        "country": "PE",
        "products": ["coffee", "cocoa"],
        "parent": union.pk,
        "flo_id": "55555",
        "email": "Info@Nueva.example.org",
        "languages": ["es", "en"],
    }
    response = staff_client(role).post(ORGS, payload, format="json")
    assert response.status_code == 201, response.content
    org = Organization.objects.get(pk=response.json()["id"])
    assert org.name == "Cooperativa Nueva" and org.parent == union
    assert set(org.products.values_list("code", flat=True)) == {"coffee", "cocoa"}
    assert org.membership.status == Membership.Status.APPLICANT
    assert response.json()["membership"]["status"] == "applicant"


@pytest.mark.parametrize("role", [StaffRole.VIEWER, StaffRole.FINANCE, StaffRole.COMMUNICATIONS])
def test_other_staff_roles_cannot_create_organizations(db, role):
    response = staff_client(role).post(ORGS, {"kind": "spo", "name": "X", "country": "PE"}, format="json")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert not Organization.objects.exists()


def test_portal_user_cannot_use_staff_organization_endpoints(portal_editor, organization):
    client = APIClient()
    client.force_login(portal_editor)
    assert client.get(f"{ORGS}{organization.pk}/").status_code == 403
    assert client.patch(f"{ORGS}{organization.pk}/", {"name": "Mine"}, format="json").status_code == 403
    organization.refresh_from_db()
    assert organization.name != "Mine"


def test_creating_an_organization_with_bad_input_gives_field_errors_and_creates_nothing(db):
    client = staff_client()
    assert_invalid(client.post(ORGS, {"kind": "nope", "country": "ZZ"}, format="json"), "kind", "name", "country")
    payload = {"kind": "spo", "name": "X", "country": "PE", "products": ["gold"]}
    assert_invalid(client.post(ORGS, payload, format="json"), "products")
    # Rules of the service arrive as field errors too (FLO ID format, coordinates in the country).
    error = assert_invalid(
        client.post(
            ORGS,
            {"kind": "spo", "name": "X", "country": "PE", "flo_id": "AB-12", "latitude": "40.0", "longitude": "-3.7"},
            format="json",
        ),
        "flo_id",
        "latitude",
    )
    assert error["message"]
    assert not Organization.objects.exists()
    assert not Membership.objects.exists()


def test_updating_an_organization(db):
    org = OrganizationFactory(name="Old name")
    org.products.set([product("coffee")])
    client = staff_client(StaffRole.ME_OFFICER)
    response = client.patch(f"{ORGS}{org.pk}/", {"name": "New name", "products": ["honey"]}, format="json")
    assert response.status_code == 200, response.content
    org.refresh_from_db()
    assert org.name == "New name"
    assert list(org.products.values_list("code", flat=True)) == ["honey"]
    assert response.json()["products"] == ["honey"]
    # PUT replaces the profile and so needs its required fields.
    assert_invalid(client.put(f"{ORGS}{org.pk}/", {"name": "Only name"}, format="json"), "kind", "country")
    org.refresh_from_db()
    assert org.name == "New name"


def test_an_update_that_breaks_a_rule_changes_nothing(db):
    OrganizationFactory(flo_id="1234")
    org = OrganizationFactory(flo_id="999", name="Keep")
    response = staff_client().patch(f"{ORGS}{org.pk}/", {"flo_id": "1234", "name": "Changed"}, format="json")
    assert_invalid(response, "flo_id")
    org.refresh_from_db()
    assert (org.flo_id, org.name) == ("999", "Keep")


# --- People --------------------------------------------------------------------------------


def test_staff_list_and_search_people_with_personal_data(db):
    jose = PersonFactory(
        first_name="José", last_name="Pérez", email="jose@coop.example.org", normalized_name="perez jose"
    )
    AffiliationFactory(person=jose, role=Affiliation.Role.MANAGER)
    ana = PersonFactory(first_name="Ana", last_name="Quispe")
    client = staff_client(StaffRole.VIEWER)
    response = client.get(PEOPLE)
    assert ids(response) == {jose.pk, ana.pk}
    row = next(r for r in response.json()["results"] if r["id"] == jose.pk)
    assert row["email"] == "jose@coop.example.org"
    assert row["current_affiliations"][0]["role"] == "manager"
    assert ids(client.get(PEOPLE, {"search": "jose perez"})) == {jose.pk}
    assert ids(client.get(PEOPLE, {"search": "JOSE@coop.example.org"})) == {jose.pk}
    assert ids(client.get(PEOPLE, {"organization": jose.affiliations.get().organization_id})) == {jose.pk}


def test_people_list_query_count_does_not_grow(db, django_assert_max_num_queries):
    def seed(count: int) -> None:
        for _ in range(count):
            AffiliationFactory()

    client = staff_client()
    seed(5)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(PEOPLE, {"page_size": 100}).json()["results"]) == 5
    seed(25)
    with django_assert_max_num_queries(len(few)):
        assert len(client.get(PEOPLE, {"page_size": 100}).json()["results"]) == 30


def test_create_and_update_a_person(db):
    # An editor whose role reaches every record (coordinators: tests/networks).
    client = staff_client(StaffRole.ME_OFFICER)
    response = client.post(
        PEOPLE, {"first_name": "Rosa", "last_name": "Mamani", "email": "rosa@coop.example.org"}, format="json"
    )
    assert response.status_code == 201, response.content
    person = Person.objects.get(pk=response.json()["id"])
    assert person.email == "rosa@coop.example.org"
    response = client.patch(f"{PEOPLE}{person.pk}/", {"phone": "+51987000111"}, format="json")
    assert response.status_code == 200, response.content
    person.refresh_from_db()
    assert person.phone == "+51987000111"


def test_person_with_a_taken_email_is_refused(db):
    PersonFactory(email="taken@coop.example.org")
    client = staff_client()
    assert_invalid(client.post(PEOPLE, {"first_name": "X", "email": "taken@coop.example.org"}, format="json"), "email")
    assert_invalid(client.post(PEOPLE, {"last_name": "No first name"}, format="json"), "first_name")
    assert Person.objects.count() == 1


def test_viewer_cannot_create_people(db):
    response = staff_client(StaffRole.VIEWER).post(PEOPLE, {"first_name": "X"}, format="json")
    assert response.status_code == 403
    assert not Person.objects.exists()


# --- Affiliations -------------------------------------------------------------------------


def test_create_list_and_end_an_affiliation(db):
    person, org = PersonFactory(), OrganizationFactory()
    client = staff_client(StaffRole.ME_OFFICER)
    response = client.post(
        AFFILIATIONS,
        {"person": person.pk, "organization": org.pk, "role": "delegate", "start_date": "2024-01-01"},
        format="json",
    )
    assert response.status_code == 201, response.content
    affiliation_id = response.json()["id"]
    assert response.json()["is_current"] is True
    assert ids(client.get(AFFILIATIONS, {"organization": org.pk, "current": "true"})) == {affiliation_id}

    response = client.post(f"{AFFILIATIONS}{affiliation_id}/end/", {"end_date": "2025-06-30"}, format="json")
    assert response.status_code == 200, response.content
    affiliation = Affiliation.objects.get(pk=affiliation_id)
    assert affiliation.end_date == datetime.date(2025, 6, 30)
    assert ids(client.get(AFFILIATIONS, {"organization": org.pk, "current": "false"})) == {affiliation_id}
    # Ending it again is refused.
    assert_invalid(client.post(f"{AFFILIATIONS}{affiliation_id}/end/", {"end_date": "2025-07-01"}, format="json"))


def test_bad_affiliation_input_creates_nothing(db):
    existing = AffiliationFactory(role=Affiliation.Role.MANAGER)
    client = staff_client()
    assert_invalid(client.post(AFFILIATIONS, {"person": 999999, "role": "king"}, format="json"),
                   "person", "organization", "role")  # fmt: skip
    # The same open role twice: the service refuses it.
    payload = {"person": existing.person_id, "organization": existing.organization_id, "role": "manager"}
    assert_invalid(client.post(AFFILIATIONS, payload, format="json"), "role")
    assert Affiliation.objects.count() == 1


def test_viewer_cannot_end_an_affiliation(db):
    affiliation = AffiliationFactory()
    response = staff_client(StaffRole.VIEWER).post(
        f"{AFFILIATIONS}{affiliation.pk}/end/", {"end_date": "2025-01-01"}, format="json"
    )
    assert response.status_code == 403
    affiliation.refresh_from_db()
    assert affiliation.end_date is None


# --- Yearly reports -----------------------------------------------------------------------


def submitted_report(**kwargs) -> YearlyReport:
    report = YearlyReportFactory(status=YearlyReport.Status.SUBMITTED, **kwargs)
    YearlyReportProduct.objects.create(
        report=report, product=product("coffee"), volume_produced=Decimal("100"), volume_sold_fairtrade=Decimal("60")
    )
    return report


def test_list_and_filter_yearly_reports(db):
    a = submitted_report(year=2024)
    b = YearlyReportFactory(year=2023, organization=OrganizationFactory(country=country("CO")))
    client = staff_client(StaffRole.VIEWER)
    assert ids(client.get(REPORTS)) == {a.pk, b.pk}
    assert ids(client.get(REPORTS, {"year": 2024})) == {a.pk}
    assert ids(client.get(REPORTS, {"status": "draft"})) == {b.pk}
    assert ids(client.get(REPORTS, {"country": "CO"})) == {b.pk}
    assert ids(client.get(REPORTS, {"organization": a.organization_id})) == {a.pk}


def test_report_list_query_count_does_not_grow(db, django_assert_max_num_queries):
    client = staff_client()
    for _ in range(5):
        submitted_report()
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(REPORTS, {"page_size": 100}).json()["results"]) == 5
    for _ in range(25):
        submitted_report()
    with django_assert_max_num_queries(len(few)):
        assert len(client.get(REPORTS, {"page_size": 100}).json()["results"]) == 30


def test_report_detail_has_product_lines_premium_uses_and_log(db):
    report = submitted_report()
    report.premium_uses.create(category="productivity", amount=Decimal("500"))
    YearlyReportEvent.objects.create(report=report, action="submitted", note="", actor=None)
    body = staff_client(StaffRole.VIEWER).get(f"{REPORTS}{report.pk}/").json()
    assert body["product_lines"][0]["product"] == "coffee"
    assert body["product_lines"][0]["unit"] == "lb"
    assert body["premium_uses"] == [{"category": "productivity", "amount": "500.00"}]
    assert body["events"][0]["action"] == "submitted"


def test_staff_approve_a_submitted_report(db):
    report = submitted_report(premium_amount=Decimal("1200.00"), premium_currency="USD")
    response = staff_client(StaffRole.ME_OFFICER).post(f"{REPORTS}{report.pk}/approve/", {"note": "OK"}, format="json")
    assert response.status_code == 200, response.content
    report.refresh_from_db()
    assert report.status == YearlyReport.Status.APPROVED
    assert report.premium_usd == Decimal("1200.00")
    assert response.json()["status"] == "approved"
    assert report.events.filter(action="approved", note="OK").exists()


def test_approving_a_draft_is_refused_and_changes_nothing(db):
    report = YearlyReportFactory(status=YearlyReport.Status.DRAFT)
    response = staff_client().post(f"{REPORTS}{report.pk}/approve/", {}, format="json")
    assert_invalid(response)
    report.refresh_from_db()
    assert report.status == YearlyReport.Status.DRAFT


def test_returning_a_report_needs_a_note(db):
    report = submitted_report()
    client = staff_client(StaffRole.ME_OFFICER)
    assert_invalid(client.post(f"{REPORTS}{report.pk}/return/", {"note": "  "}, format="json"), "note")
    report.refresh_from_db()
    assert report.status == YearlyReport.Status.SUBMITTED

    response = client.post(f"{REPORTS}{report.pk}/return/", {"note": "Women above total?"}, format="json")
    assert response.status_code == 200, response.content
    report.refresh_from_db()
    assert report.status == YearlyReport.Status.RETURNED
    assert report.events.get(action="returned").note == "Women above total?"


def test_viewer_cannot_approve_reports(db):
    report = submitted_report()
    response = staff_client(StaffRole.VIEWER).post(f"{REPORTS}{report.pk}/approve/", {}, format="json")
    assert response.status_code == 403
    report.refresh_from_db()
    assert report.status == YearlyReport.Status.SUBMITTED
