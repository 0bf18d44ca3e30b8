"""Staff pages of the organization registry: list, organization page, create, edit and the
certificate form."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clac.roles import StaffRole
from members.models import Certification, Membership, Organization, OrganizationChangeProposal, YearlyReport
from tests.factories import (
    AffiliationFactory,
    CertificationFactory,
    MembershipFactory,
    OrganizationFactory,
    YearlyReportFactory,
    country,
    product,
    staff_user,
)

pytestmark = pytest.mark.django_db

EDITOR_ROLES = [StaffRole.ADMIN, StaffRole.COORDINATOR, StaffRole.ME_OFFICER]
NON_EDITOR_ROLES = [StaffRole.VIEWER, StaffRole.FINANCE, StaffRole.COMMUNICATIONS]


@pytest.fixture(autouse=True)
def english(settings):
    # Assertions read English messages; the default language is Spanish.
    settings.LANGUAGE_CODE = "en"


def _org_payload(**overrides) -> dict:
    data = {
        "kind": "spo",
        "name": "Cooperativa Agraria Pangoa",
        "legal_name": "Cooperativa Agraria Cafetalera Pangoa Ltda.",
        "tax_id": "20123456789",
        "country": "PE",
        "region": "Junín",
        "locality": "San Martín de Pangoa",
        "address": "Jr. Lima 123",
        "latitude": "-11.4300",
        "longitude": "-74.4900",
        "parent": "",
        "flo_id": "2145",
        "products": [str(product("coffee").pk), str(product("cocoa").pk)],
        "founding_year": "1977",
        "website": "https://pangoa.example.org",
        "email": "Gerencia@Pangoa.example.org",
        "phone": "+51 64 555 123",
        "languages": ["es", "en"],
        "description": "Coffee and cocoa cooperative.",
    }
    data.update(overrides)
    return data


# --- List ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [*EDITOR_ROLES, *NON_EDITOR_ROLES])
def test_every_staff_role_can_read_the_registry_list(client, role):
    OrganizationFactory(name="Cooperativa Norandino")
    client.force_login(staff_user(role))

    response = client.get(reverse("members:organization_list"))

    assert response.status_code == 200
    assert b"Cooperativa Norandino" in response.content
    assert (b'href="/dashboard/registry/new/"' in response.content) == (role in EDITOR_ROLES)


def test_portal_user_cannot_open_the_registry(client, portal_editor):
    client.force_login(portal_editor)

    assert client.get(reverse("members:organization_list")).status_code == 403


def test_anonymous_user_is_sent_to_login(client):
    url = reverse("members:organization_list")

    response = client.get(url)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_registry_list_filters_searches_and_counts(client, viewer_user):
    active = OrganizationFactory(name="Norandino", country=country("PE"), locality="Piura")
    MembershipFactory(organization=active)
    suspended = OrganizationFactory(name="Pangoa", country=country("PE"))
    MembershipFactory(organization=suspended, status=Membership.Status.SUSPENDED)
    OrganizationFactory(name="Fecafeb", country=country("BO"))
    client.force_login(viewer_user)

    response = client.get(reverse("members:organization_list"), {"country": "PE", "sort": "-name"})

    assert [org.name for org in response.context["page_obj"]] == ["Pangoa", "Norandino"]
    assert response.context["total"] == 2
    assert [(status, count) for status, _label, count in response.context["membership_counts"]] == [
        ("active", 1),
        ("suspended", 1),
    ]

    response = client.get(reverse("members:organization_list"), {"q": "piura"})
    assert [org.name for org in response.context["page_obj"]] == ["Norandino"]


def test_registry_list_paginates_by_fifty(client, viewer_user):
    OrganizationFactory.create_batch(55)
    client.force_login(viewer_user)

    first = client.get(reverse("members:organization_list"))
    second = client.get(reverse("members:organization_list"), {"page": 2})

    assert len(first.context["page_obj"]) == 50
    assert len(second.context["page_obj"]) == 5
    assert first.context["total"] == 55


@pytest.mark.parametrize(
    "params",
    [{"country": "XX"}, {"kind": "castle"}, {"sort": "password"}, {"product": "uranium"}, {"q": "x" * 101}],
)
def test_invalid_filters_show_an_error_instead_of_rows(client, viewer_user, params):
    OrganizationFactory()
    client.force_login(viewer_user)

    response = client.get(reverse("members:organization_list"), params)

    assert response.status_code == 200
    assert response.context["filter_form"].errors
    assert list(response.context["page_obj"]) == []
    assert b"errorlist" in response.content


def _registry_rows(count: int) -> None:
    for index in range(count):
        org = OrganizationFactory(country=country(["PE", "CO", "MX"][index % 3]))
        org.products.set([product("coffee"), product("cocoa")])
        MembershipFactory(organization=org)
        CertificationFactory(organization=org)
        CertificationFactory(organization=org, standard=Certification.Standard.HL)


def test_registry_list_query_count_does_not_grow_with_rows(client, viewer_user, django_assert_max_num_queries):
    client.force_login(viewer_user)
    url = reverse("members:organization_list")
    params = {"certification_status": "certified", "sort": "country"}
    _registry_rows(5)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(url, params).status_code == 200
    _registry_rows(35)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url, params)

    assert response.context["total"] == 40
    assert len(few.captured_queries) <= 15


# --- Organization page --------------------------------------------------------------------


def test_organization_page_shows_profile_people_certification_history_reports_and_proposals(
    client, viewer_user, admin_user
):
    union = OrganizationFactory(name="Central de Cooperativas", kind=Organization.Kind.SPO2)
    org = OrganizationFactory(name="Cooperativa Pangoa", parent=union, languages=["es", "pt-br"])
    org.products.set([product("coffee")])
    membership = MembershipFactory(organization=org, status=Membership.Status.ACTIVE)
    membership.events.create(
        from_status="applicant", to_status="active", occurred_on=datetime.date(2020, 5, 4), reason="Assembly vote"
    )
    CertificationFactory(organization=org, last_audit_date=datetime.date(2024, 2, 1), last_audit_type="renewal")
    AffiliationFactory(organization=org, person__first_name="Rosa", person__last_name="Quispe", is_primary=True)
    AffiliationFactory(
        organization=org, person__first_name="Former", person__last_name="Manager", end_date=datetime.date(2021, 1, 1)
    )
    YearlyReportFactory(organization=org, year=2024, status=YearlyReport.Status.APPROVED)
    OrganizationChangeProposal.objects.create(
        organization=org, field="legal_name", current_value=org.legal_name, proposed_value="Pangoa SAC"
    )
    client.force_login(viewer_user)

    response = client.get(reverse("members:organization_detail", args=[org.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    for text in ("Cooperativa Pangoa", "Central de Cooperativas", "Rosa", "Quispe", "Assembly vote", "2024"):
        assert text in content
    assert "Former" not in content
    assert "Pangoa SAC" in content
    assert "Renewal" in content
    assert [str(label) for _status, label in response.context["next_statuses"]] == [
        "Suspended",
        "Withdrawn",
        "Expelled",
    ]
    # A viewer sees no buttons that would lead to a 403.
    assert reverse("members:organization_edit", args=[org.pk]) not in content
    assert reverse("members:membership_transition", args=[org.pk]) not in content

    client.force_login(admin_user)
    content = client.get(reverse("members:organization_detail", args=[org.pk])).content.decode()
    assert reverse("members:organization_edit", args=[org.pk]) in content
    assert f"{reverse('members:membership_transition', args=[org.pk])}?to_status=suspended" in content


def test_organization_page_query_count_is_bounded(client, viewer_user, django_assert_max_num_queries):
    org = OrganizationFactory()
    membership = MembershipFactory(organization=org)
    for index in range(8):
        AffiliationFactory(organization=org)
        membership.events.create(to_status="active", occurred_on=datetime.date(2020, 1, 1), reason=f"r{index}")
        YearlyReportFactory(organization=org, year=2015 + index)
    CertificationFactory(organization=org)
    client.force_login(viewer_user)

    with django_assert_max_num_queries(20):
        response = client.get(reverse("members:organization_detail", args=[org.pk]))

    assert response.status_code == 200
    assert len(response.context["affiliations"]) == 8


def test_organization_page_of_an_unknown_organization_is_404(client, viewer_user):
    client.force_login(viewer_user)

    assert client.get(reverse("members:organization_detail", args=[999999])).status_code == 404


def test_portal_user_cannot_open_an_organization_page_even_their_own(client, portal_editor, organization):
    client.force_login(portal_editor)

    assert client.get(reverse("members:organization_detail", args=[organization.pk])).status_code == 403


# --- Create -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", EDITOR_ROLES)
def test_registry_editors_create_an_organization_with_an_applicant_membership(client, role):
    user = staff_user(role)
    client.force_login(user)

    response = client.post(reverse("members:organization_create"), _org_payload())

    org = Organization.objects.get(flo_id="2145")
    assert response.status_code == 302
    assert response["Location"] == reverse("members:organization_detail", args=[org.pk])
    assert org.email == "gerencia@pangoa.example.org"
    assert org.phone == "+5164555123"
    assert org.languages == ["es", "en"]
    assert set(org.products.values_list("code", flat=True)) == {"coffee", "cocoa"}
    assert org.membership.status == Membership.Status.APPLICANT
    assert org.history.get().history_user == user


@pytest.mark.parametrize("role", NON_EDITOR_ROLES)
def test_other_staff_roles_cannot_create_organizations(client, role):
    client.force_login(staff_user(role))

    assert client.get(reverse("members:organization_create")).status_code == 403
    assert client.post(reverse("members:organization_create"), _org_payload()).status_code == 403
    assert not Organization.objects.exists()


def test_create_form_renders_for_an_editor(client, admin_user):
    OrganizationFactory(name="Union Norte", kind=Organization.Kind.SPO2)
    client.force_login(admin_user)

    response = client.get(reverse("members:organization_create"))

    assert response.status_code == 200
    assert b'name="flo_id"' in response.content
    assert b"Union Norte (PE)" in response.content


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"flo_id": "FLO-21"}, "flo_id"),
        ({"latitude": "40.7", "longitude": "-74.0"}, "latitude"),
        ({"latitude": "-11.43", "longitude": ""}, "latitude"),
        ({"phone": "555"}, "phone"),
        ({"name": ""}, "name"),
        ({"country": "XX"}, "country"),
        ({"languages": ["de"]}, "languages"),
    ],
)
def test_create_with_bad_input_shows_the_error_and_saves_nothing(client, admin_user, overrides, field):
    client.force_login(admin_user)

    response = client.post(reverse("members:organization_create"), _org_payload(**overrides))

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Organization.objects.exists()
    # What the user typed stays in the form.
    assert b"Cooperativa Agraria Cafetalera Pangoa Ltda." in response.content


def test_create_with_a_taken_flo_id_names_the_holder(client, admin_user):
    OrganizationFactory(name="Cenfrocafe", flo_id="2145")
    client.force_login(admin_user)

    response = client.post(reverse("members:organization_create"), _org_payload())

    assert response.status_code == 200
    assert "Cenfrocafe" in str(response.context["form"].errors["flo_id"])
    assert Organization.objects.count() == 1


def test_parent_union_must_be_a_union_of_the_same_country(client, admin_user):
    union_co = OrganizationFactory(name="Union Colombia", kind=Organization.Kind.SPO2, country=country("CO"))
    plain_coop = OrganizationFactory(name="Plain", kind=Organization.Kind.SPO)
    client.force_login(admin_user)

    response = client.post(reverse("members:organization_create"), _org_payload(parent=str(union_co.pk)))
    assert "parent" in response.context["form"].errors
    assert "same country" in str(response.context["form"].errors["parent"])

    response = client.post(reverse("members:organization_create"), _org_payload(parent=str(plain_coop.pk)))
    assert "parent" in response.context["form"].errors
    assert Organization.objects.count() == 2


# --- Edit ---------------------------------------------------------------------------------


def test_edit_form_starts_with_the_current_values_and_only_unions_of_the_country(client, admin_user):
    OrganizationFactory(name="Union Peru", kind=Organization.Kind.SPO2, country=country("PE"))
    OrganizationFactory(name="Union Colombia", kind=Organization.Kind.SPO2, country=country("CO"))
    org = OrganizationFactory(name="Pangoa", flo_id="2145")
    client.force_login(admin_user)

    response = client.get(reverse("members:organization_edit", args=[org.pk]))

    assert response.status_code == 200
    assert response.context["form"]["flo_id"].value() == "2145"
    content = response.content.decode()
    assert "Union Peru (PE)" in content
    assert "Union Colombia" not in content


def test_edit_saves_changes_and_records_who_made_them(client, admin_user):
    union = OrganizationFactory(name="Union Peru", kind=Organization.Kind.SPO2)
    org = OrganizationFactory(name="Pangoa", flo_id="2145")
    client.force_login(admin_user)

    response = client.post(
        reverse("members:organization_edit", args=[org.pk]),
        _org_payload(name="Pangoa Renamed", parent=str(union.pk), products=[str(product("honey").pk)]),
    )

    assert response.status_code == 302
    org.refresh_from_db()
    assert (org.name, org.parent, org.locality) == ("Pangoa Renamed", union, "San Martín de Pangoa")
    assert list(org.products.values_list("code", flat=True)) == ["honey"]
    assert org.history.first().history_user == admin_user


def test_edit_with_bad_input_changes_nothing(client, admin_user):
    org = OrganizationFactory(name="Pangoa", flo_id="2145", latitude=None, longitude=None)
    before = org.updated_at
    client.force_login(admin_user)

    response = client.post(
        reverse("members:organization_edit", args=[org.pk]),
        _org_payload(name="Renamed", latitude="10.0", longitude="10.0"),
    )

    assert response.status_code == 200
    assert "latitude" in response.context["form"].errors
    org.refresh_from_db()
    assert (org.name, org.latitude, org.updated_at) == ("Pangoa", None, before)
    # The page header keeps the stored name while the form keeps what was typed.
    assert "<title>Edit Pangoa" in response.content.decode()
    assert response.context["form"]["name"].value() == "Renamed"


def test_a_union_cannot_become_its_own_ancestor(client, admin_user):
    top = OrganizationFactory(name="Top Union", kind=Organization.Kind.SPO2)
    member_union = OrganizationFactory(name="Member Union", kind=Organization.Kind.SPO2, parent=top)
    client.force_login(admin_user)

    response = client.post(
        reverse("members:organization_edit", args=[top.pk]),
        _org_payload(name="Top Union", kind="spo2", flo_id=top.flo_id, parent=str(member_union.pk)),
    )

    assert response.status_code == 200
    assert "ancestor" in str(response.context["form"].errors["parent"])
    top.refresh_from_db()
    assert top.parent is None


@pytest.mark.parametrize("role", NON_EDITOR_ROLES)
def test_other_staff_roles_cannot_edit(client, role, organization):
    client.force_login(staff_user(role))

    assert client.get(reverse("members:organization_edit", args=[organization.pk])).status_code == 403
    response = client.post(reverse("members:organization_edit", args=[organization.pk]), _org_payload(name="X"))
    assert response.status_code == 403
    organization.refresh_from_db()
    assert organization.name != "X"


def test_edit_of_an_unknown_organization_is_404(client, admin_user):
    client.force_login(admin_user)

    assert client.get(reverse("members:organization_edit", args=[999999])).status_code == 404


# --- Certificate --------------------------------------------------------------------------


def test_editor_records_a_certificate(client, admin_user, organization):
    client.force_login(admin_user)

    response = client.post(
        reverse("members:certification_edit", args=[organization.pk, "spo"]),
        {
            "status": "certified",
            "cycle_start": "2024-03-01",
            "cycle_end": "2027-03-01",
            "last_audit_date": "2024-02-10",
            "last_audit_type": "renewal",
        },
    )

    assert response.status_code == 302
    cert = organization.certifications.get()
    assert (cert.status, cert.cycle_end, cert.last_audit_type) == ("certified", datetime.date(2027, 3, 1), "renewal")


def test_suspending_a_certificate_puts_the_membership_in_the_review_queue(client, admin_user, organization):
    MembershipFactory(organization=organization)
    cert = CertificationFactory(organization=organization)
    client.force_login(admin_user)

    url = reverse("members:certification_edit", args=[organization.pk, "spo"])
    assert client.get(url).context["form"]["status"].value() == "certified"
    response = client.post(url, {"status": "suspended", "cycle_start": "2024-01-01", "cycle_end": "2027-01-01"})

    assert response.status_code == 302
    cert.refresh_from_db()
    membership = Membership.objects.get(organization=organization)
    assert cert.status == "suspended"
    assert membership.status == Membership.Status.ACTIVE
    assert membership.review_requested_at is not None


def test_certificate_with_bad_input_changes_nothing(client, admin_user, organization):
    cert = CertificationFactory(organization=organization, status=Certification.Status.APPLICANT, cycle_end=None)
    client.force_login(admin_user)
    url = reverse("members:certification_edit", args=[organization.pk, "spo"])

    no_end = client.post(url, {"status": "certified", "cycle_start": "2024-01-01"})
    backwards = client.post(url, {"status": "certified", "cycle_start": "2024-01-01", "cycle_end": "2023-01-01"})
    bad_date = client.post(url, {"status": "certified", "cycle_end": "31/31/2024"})

    assert "cycle_end" in no_end.context["form"].errors
    assert "cycle_end" in backwards.context["form"].errors
    assert "cycle_end" in bad_date.context["form"].errors
    cert.refresh_from_db()
    assert (cert.status, cert.cycle_end) == ("applicant", None)


def test_certificate_of_an_unknown_standard_is_404(client, admin_user, organization):
    client.force_login(admin_user)

    assert client.get(reverse("members:certification_edit", args=[organization.pk, "xyz"])).status_code == 404


def test_viewer_cannot_change_a_certificate(client, viewer_user, organization):
    client.force_login(viewer_user)
    url = reverse("members:certification_edit", args=[organization.pk, "spo"])

    assert client.get(url).status_code == 403
    assert client.post(url, {"status": "certified", "cycle_end": "2027-01-01"}).status_code == 403
    assert not organization.certifications.exists()


def test_certificates_ending_soon_page_lists_them(client, viewer_user):
    today = timezone.localdate()
    CertificationFactory(organization__name="Ends soon", cycle_end=today + datetime.timedelta(days=30))
    CertificationFactory(organization__name="Ends later", cycle_end=today + datetime.timedelta(days=90))
    client.force_login(viewer_user)
    url = reverse("members:certification_expiring")

    default = client.get(url)
    wider = client.get(url, {"days": 120})
    invalid = client.get(url, {"days": "-3"})

    assert [c.organization.name for c in default.context["certifications"]] == ["Ends soon"]
    assert [c.organization.name for c in wider.context["certifications"]] == ["Ends soon", "Ends later"]
    assert invalid.status_code == 200
    assert invalid.context["form"].errors
    assert invalid.context["certifications"] == []


def test_portal_user_cannot_see_expiring_certificates(client, portal_editor):
    client.force_login(portal_editor)

    assert client.get(reverse("members:certification_expiring")).status_code == 403
