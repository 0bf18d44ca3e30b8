"""The portal shell: the organization's home page, the organization switcher, page weight."""

from django.contrib.staticfiles import finders
from django.urls import reverse

from clac.access import PORTAL_SESSION_KEY
from clac.roles import PortalRole
from members.models import Affiliation, YearlyReport
from tests.factories import (
    AffiliationFactory,
    CertificationFactory,
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    PortalAccessFactory,
    UserFactory,
    YearlyReportFactory,
)


def test_portal_home_shows_the_organization_summary(client, portal_viewer, organization):
    MembershipFactory(organization=organization)
    CertificationFactory(organization=organization)
    person = PersonFactory()
    AffiliationFactory(organization=organization, person=person)
    AffiliationFactory(organization=organization, person=person, role=Affiliation.Role.BOARD_MEMBER)
    AffiliationFactory(organization=organization)
    YearlyReportFactory(organization=organization, year=2024, status=YearlyReport.Status.APPROVED)
    YearlyReportFactory(organization=organization, year=2025, status=YearlyReport.Status.SUBMITTED)
    client.force_login(portal_viewer)

    response = client.get(reverse("portal:home"))

    assert response.status_code == 200
    assert response.context["people_count"] == 2
    assert response.context["latest_report"].year == 2025
    content = response.content.decode()
    assert organization.name in content
    assert organization.flo_id in content
    assert 'class="badge badge-active"' in content
    assert 'class="badge badge-certified"' in content
    assert 'class="badge badge-submitted"' in content


def test_portal_home_of_a_new_organization_without_records(client, portal_viewer):
    client.force_login(portal_viewer)

    response = client.get(reverse("portal:home"))

    assert response.status_code == 200
    assert response.context["membership"] is None
    assert response.context["latest_report"] is None


def test_portal_home_query_count_does_not_grow_with_people(
    client, portal_editor, organization, django_assert_max_num_queries
):
    MembershipFactory(organization=organization)
    for _ in range(30):
        AffiliationFactory(organization=organization)
    CertificationFactory(organization=organization)
    client.force_login(portal_editor)
    client.get(reverse("portal:home"))  # the first visit stores the organization in the session

    # session, user, access, membership, certifications, people, report, switcher, staff check,
    # the networks panel's current networks, and the announcements panel's live announcements.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("portal:home"))

    assert response.context["people_count"] == 30


def test_portal_home_page_is_under_50_kb_with_its_css(client, portal_editor, organization):
    MembershipFactory(organization=organization)
    CertificationFactory(organization=organization)
    YearlyReportFactory(organization=organization)
    client.force_login(portal_editor)

    html = client.get(reverse("portal:home")).content
    css_path = finders.find("css/portal.css")
    with open(css_path, "rb") as css_file:
        css = css_file.read()

    assert b"<script" not in html
    assert len(css) < 7 * 1024  # the header menu and the organization switch (issue 12, item 9)
    assert len(html) + len(css) < 50 * 1024


def test_user_of_one_organization_sees_no_switcher(client, portal_editor):
    client.force_login(portal_editor)

    response = client.get(reverse("portal:home"))

    assert reverse("portal:organization_switch").encode() not in response.content


def test_user_of_several_organizations_switches_between_them(client, organization, other_organization):
    user = UserFactory(username="two-orgs")
    PortalAccessFactory(user=user, organization=organization, role=PortalRole.VIEWER)
    PortalAccessFactory(user=user, organization=other_organization, role=PortalRole.ADMIN)
    client.force_login(user)
    first = client.get(reverse("portal:home"))
    assert reverse("portal:organization_switch").encode() in first.content
    current = client.session[PORTAL_SESSION_KEY]
    target = other_organization if current == organization.pk else organization

    response = client.post(reverse("portal:organization_switch"), {"organization": target.pk})

    assert response.status_code == 302
    assert client.session[PORTAL_SESSION_KEY] == target.pk
    assert client.get(reverse("portal:home")).context["organization"] == target


def test_switcher_refuses_an_organization_without_access_and_keeps_the_current_one(
    client, portal_editor, organization, other_organization
):
    client.force_login(portal_editor)
    client.get(reverse("portal:home"))
    assert client.session[PORTAL_SESSION_KEY] == organization.pk

    response = client.post(reverse("portal:organization_switch"), {"organization": other_organization.pk})

    assert response.status_code == 404
    assert client.session[PORTAL_SESSION_KEY] == organization.pk
    assert client.get(reverse("portal:home")).context["organization"] == organization


def test_switcher_rejects_bad_input_and_changes_nothing(client, portal_editor, organization):
    client.force_login(portal_editor)
    client.get(reverse("portal:home"))

    response = client.post(reverse("portal:organization_switch"), {"organization": "abc"})

    assert response.status_code == 400
    assert client.session[PORTAL_SESSION_KEY] == organization.pk


def test_switcher_needs_a_signed_in_user_and_a_post(client, portal_editor, organization):
    url = reverse("portal:organization_switch")

    anonymous = client.post(url, {"organization": organization.pk})
    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("login"))
    assert PORTAL_SESSION_KEY not in client.session

    client.force_login(portal_editor)
    assert client.get(url).status_code == 405


def test_a_session_pointing_to_a_lost_access_is_refused(client, portal_editor, organization):
    client.force_login(portal_editor)
    client.get(reverse("portal:home"))
    portal_editor.portal_accesses.all().delete()

    assert client.get(reverse("portal:home")).status_code == 403


def test_staff_member_switching_to_another_organization_is_refused(client, viewer_user):
    # Staff have no portal access by role: the switcher does not open organizations to them.
    organization = OrganizationFactory()
    client.force_login(viewer_user)

    response = client.post(reverse("portal:organization_switch"), {"organization": organization.pk})

    assert response.status_code == 404
    assert PORTAL_SESSION_KEY not in client.session
