"""Forms for real users (issue #12, item 8): the parent union list after an error, decimal
commas and local phone numbers in the portal, re-admitting a withdrawn member."""

import datetime
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from clac.roles import StaffRole
from members.models import Membership, MembershipEvent, Organization
from tests.factories import CertificationFactory, MembershipFactory, OrganizationFactory, country, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def _select_options(html: str, name: str) -> str:
    found = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert found is not None
    return found.group(0)


# --- 8d: the parent union list stays in the organization's country --------------------------


def test_after_an_error_the_parent_union_list_keeps_to_the_organizations_country(client):
    OrganizationFactory(name="Union Peru", kind=Organization.Kind.SPO2, country=country("PE"))
    OrganizationFactory(name="Union Colombia", kind=Organization.Kind.SPO2, country=country("CO"))
    client.force_login(staff_user(StaffRole.ADMIN))

    response = client.post(
        reverse("members:organization_create"), {"kind": "spo", "name": "", "country": "PE", "parent": ""}
    )

    assert response.status_code == 200
    options = _select_options(response.content.decode(), "parent")
    assert "Union Peru" in options
    assert "Union Colombia" not in options


def test_a_union_of_another_country_stays_shown_with_the_mismatch_error(client):
    union_co = OrganizationFactory(name="Union Colombia", kind=Organization.Kind.SPO2, country=country("CO"))
    OrganizationFactory(name="Union Bolivia", kind=Organization.Kind.SPO2, country=country("BO"))
    client.force_login(staff_user(StaffRole.ADMIN))

    response = client.post(
        reverse("members:organization_create"),
        {"kind": "spo", "name": "Coop", "country": "PE", "parent": str(union_co.pk)},
    )

    html = response.content.decode()
    options = _select_options(html, "parent")
    assert re.search(rf'value="{union_co.pk}"[^>]*selected', options)
    assert "Union Bolivia" not in options
    assert "the parent union must be in the same country" in html


# --- 8e: a withdrawn member can be re-admitted -----------------------------------------------


def test_a_withdrawn_member_applies_again_and_is_readmitted_with_its_history_kept(client, organization):

    CertificationFactory(organization=organization)
    MembershipFactory(
        organization=organization,
        status=Membership.Status.WITHDRAWN,
        joined_on=datetime.date(2015, 3, 1),
        status_changed_on=datetime.date(2021, 6, 1),
    )
    client.force_login(staff_user(StaffRole.ADMIN))
    url = reverse("members:membership_transition", args=[organization.pk])

    page = client.get(url)
    assert b'value="applicant"' in page.content

    response = client.post(url, {"to_status": "applicant", "occurred_on": "2025-02-01", "reason": "New application"})
    assert response.status_code == 302
    response = client.post(url, {"to_status": "active", "occurred_on": "2025-04-01", "reason": "Board approval"})
    assert response.status_code == 302

    membership = Membership.objects.get(organization=organization)
    assert membership.status == Membership.Status.ACTIVE
    assert membership.joined_on == datetime.date(2025, 4, 1)
    events = list(MembershipEvent.objects.filter(membership=membership).order_by("occurred_on"))
    assert [(e.from_status, e.to_status) for e in events] == [("withdrawn", "applicant"), ("applicant", "active")]
    # The earlier membership stays in the record's history.
    assert membership.history.filter(joined_on=datetime.date(2015, 3, 1)).exists()


def test_an_expelled_member_cannot_apply_again(client, organization):

    MembershipFactory(organization=organization, status=Membership.Status.EXPELLED)
    client.force_login(staff_user(StaffRole.ADMIN))

    response = client.post(
        reverse("members:membership_transition", args=[organization.pk]),
        {"to_status": "applicant", "occurred_on": "2025-02-01", "reason": "New application"},
    )

    assert response.status_code == 200
    assert "cannot go from" in str(response.context["form"].errors["to_status"])
    assert Membership.objects.get(organization=organization).status == Membership.Status.EXPELLED
    assert not MembershipEvent.objects.exists()


# --- 8b: decimal commas and local phone numbers in the portal --------------------------------


@pytest.mark.parametrize(
    ("language", "typed", "number"),
    [
        ("es", "1.234,5", "1234.5"),
        ("es", "1234,5", "1234.5"),
        ("pt-br", "1.234,50", "1234.50"),
        ("fr", "1\u202f234,5", "1234.5"),
        ("fr", "1 234,5", "1234.5"),
        ("es", "12.5", "12.5"),
        ("en", "1,234.5", "1234.5"),
        ("en", "1234.5", "1234.5"),
    ],
)
def test_numbers_are_read_as_people_write_them_in_their_language(language, typed, number):
    from django.utils import translation

    from clac.forms import parse_localized_number

    with translation.override(language):
        assert Decimal(parse_localized_number(typed)) == Decimal(number)


def _spanish_portal_editor(organization):
    from clac.roles import PortalRole
    from tests.factories import PortalAccessFactory, UserFactory

    user = UserFactory(username="editora", language="es")
    PortalAccessFactory(user=user, organization=organization, role=PortalRole.EDITOR)
    return user


def test_the_portal_profile_takes_decimal_commas_and_a_local_phone(client, organization):
    from tests.members.test_portal_profile import PROFILE_EDIT, contact_data

    client.force_login(_spanish_portal_editor(organization))

    response = client.post(PROFILE_EDIT, contact_data(phone="987 654 321", latitude="-11,4312", longitude="-74,4898"))

    assert response.status_code == 302
    organization.refresh_from_db()
    assert organization.phone == "+51987654321"
    assert (organization.latitude, organization.longitude) == (Decimal("-11.4312"), Decimal("-74.4898"))


def test_a_local_phone_that_is_not_a_number_of_the_country_is_refused_and_kept(client, organization):
    from tests.members.test_portal_profile import PROFILE_EDIT, contact_data

    client.force_login(_spanish_portal_editor(organization))

    response = client.post(PROFILE_EDIT, contact_data(phone="12 34", name="Otro Nombre"))

    assert response.status_code == 200
    assert "phone" in response.context["form"].errors
    assert 'value="12 34"' in response.content.decode()
    organization.refresh_from_db()
    assert organization.name != "Otro Nombre"


def test_a_person_added_in_the_portal_gets_the_local_mobile_in_e164(client, organization):
    from members.models import Person
    from tests.members.test_portal_people import PERSON_ADD, new_person_data

    client.force_login(_spanish_portal_editor(organization))

    response = client.post(PERSON_ADD, new_person_data(phone="964 111 222"))

    assert response.status_code == 302
    assert Person.objects.get().phone == "+51964111222"


def test_the_yearly_report_takes_decimal_commas_and_grouped_thousands(client, organization):
    from members.models import YearlyReport
    from tests.members.test_portal_reports import LAST_YEAR, edit_url, report_data

    client.force_login(_spanish_portal_editor(organization))

    response = client.post(
        edit_url(),
        report_data(
            members_total="1.200",
            members_women="300",
            hectares="1.234,5",
            premium_amount="95.000,50",
            lines=[("coffee", "120.000", "90.000", "30.000")],
        ),
    )

    assert response.status_code == 302, response.context and response.context.get("form").errors
    report = YearlyReport.objects.get(organization=organization, year=LAST_YEAR)
    assert (report.members_total, report.hectares, report.premium_amount) == (
        1200,
        Decimal("1234.50"),
        Decimal("95000.50"),
    )
    assert report.product_lines.get().volume_produced == Decimal(120000)
