"""The access helpers `<entity>_get_for_user(*, user, pk, organization=None, for_change=False)`
and organization_can_change: the one path by which dashboard, portal and API views reach a
registry record (members.selectors.access)."""

import datetime
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from clac.roles import REGISTRY_EDITORS, PortalRole, StaffRole
from members.models import Affiliation, OrganizationChangeProposal, YearlyReport
from members.selectors import (
    affiliation_get_for_user,
    change_proposal_get_for_user,
    organization_can_change,
    organization_get_for_user,
    person_get_for_user,
    yearly_report_get_for_user,
)
from tests.factories import AffiliationFactory, PortalAccessFactory, UserFactory, YearlyReportFactory

pytestmark = pytest.mark.django_db

READ_ONLY_ROLES = sorted(set(StaffRole.values) - REGISTRY_EDITORS)
# Editors whose role reaches every organization; coordinators are scoped to their networks'
# members (tests/networks/test_networks_coordinator_scope.py).
EDITOR_ROLES = sorted(REGISTRY_EDITORS - {StaffRole.COORDINATOR})
UNKNOWN_PK = 987_654_321


@dataclass
class Records:
    """One record of each kind in `organization` and one in `other_organization`."""

    ours: dict[str, Any]
    theirs: dict[str, Any]


def _records_of(organization) -> dict[str, Any]:
    affiliation = AffiliationFactory(organization=organization, role=Affiliation.Role.MANAGER)
    return {
        "organization": organization,
        "person": affiliation.person,
        "affiliation": affiliation,
        "report": YearlyReportFactory(organization=organization, year=2023),
        "proposal": OrganizationChangeProposal.objects.create(
            organization=organization, field="legal_name", proposed_value="Nueva Ltda."
        ),
    }


@pytest.fixture
def records(organization, other_organization) -> Records:
    return Records(_records_of(organization), _records_of(other_organization))


HELPERS = {
    "organization": organization_get_for_user,
    "person": person_get_for_user,
    "affiliation": affiliation_get_for_user,
    "report": yearly_report_get_for_user,
    "proposal": change_proposal_get_for_user,
}


def _get(kind: str, record, **kwargs):
    return HELPERS[kind](pk=record.pk, **kwargs)


# --- Staff (dashboard and API) ------------------------------------------------------------


@pytest.mark.parametrize("role", StaffRole.values)
def test_every_staff_role_reads_every_record(staff_users, records, role):
    for kind in HELPERS:
        for record in (records.ours[kind], records.theirs[kind]):
            assert _get(kind, record, user=staff_users[role]) == record, kind


@pytest.mark.parametrize("role", EDITOR_ROLES)
def test_registry_editors_may_change_every_record(staff_users, records, role):
    for kind in HELPERS:
        assert _get(kind, records.theirs[kind], user=staff_users[role], for_change=True) == records.theirs[kind]


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_read_only_staff_are_refused_for_change(staff_users, records, role):
    for kind in HELPERS:
        with pytest.raises(PermissionDenied):
            _get(kind, records.ours[kind], user=staff_users[role], for_change=True)


def test_unknown_record_is_404_for_staff(admin_user):
    for helper in HELPERS.values():
        with pytest.raises(Http404):
            helper(user=admin_user, pk=UNKNOWN_PK)
        with pytest.raises(Http404):
            helper(user=admin_user, pk=UNKNOWN_PK, for_change=True)


# --- Portal -------------------------------------------------------------------------------


@pytest.mark.parametrize("role", PortalRole.values)
def test_portal_user_reads_the_records_of_their_organization(portal_users, records, organization, role):
    for kind in HELPERS:
        record = records.ours[kind]
        assert _get(kind, record, user=portal_users[role], organization=organization) == record, kind


def test_portal_user_of_another_organization_is_refused_with_404(other_portal_user, records, other_organization):
    for kind in HELPERS:
        for for_change in (False, True):
            with pytest.raises(Http404):
                _get(
                    kind,
                    records.ours[kind],
                    user=other_portal_user,
                    organization=other_organization,
                    for_change=for_change,
                )


def test_portal_user_cannot_name_an_organization_they_have_no_access_to(other_portal_user, records, organization):
    for kind in HELPERS:
        with pytest.raises(Http404):
            _get(kind, records.ours[kind], user=other_portal_user, organization=organization)


def test_portal_user_without_organization_is_not_staff_and_gets_404(portal_user, records):
    for kind in HELPERS:
        with pytest.raises(Http404):
            _get(kind, records.ours[kind], user=portal_user)


def test_portal_viewer_is_refused_for_change(portal_viewer, records, organization):
    for kind in HELPERS:
        with pytest.raises(PermissionDenied):
            _get(kind, records.ours[kind], user=portal_viewer, organization=organization, for_change=True)


@pytest.mark.parametrize("role", [PortalRole.ADMIN, PortalRole.EDITOR])
def test_portal_admin_and_editor_may_change_their_records(portal_users, records, organization, role):
    for kind in HELPERS:
        record = records.ours[kind]
        assert _get(kind, record, user=portal_users[role], organization=organization, for_change=True) == record


def test_staff_editor_in_the_portal_acts_with_their_portal_role(staff_user_factory, records, organization):
    # A staff admin who is also a portal viewer of the organization changes nothing there
    # through the portal (as portal_required(edit=True) decides).
    user = staff_user_factory(StaffRole.ADMIN)
    PortalAccessFactory(user=user, organization=organization, role=PortalRole.VIEWER)

    with pytest.raises(PermissionDenied):
        person_get_for_user(user=user, pk=records.ours["person"].pk, organization=organization, for_change=True)
    assert person_get_for_user(user=user, pk=records.ours["person"].pk, for_change=True) == records.ours["person"]


def test_portal_finds_only_people_who_still_serve_the_organization(portal_user, organization):
    former = AffiliationFactory(organization=organization, end_date=datetime.date(2023, 12, 31)).person

    with pytest.raises(Http404):
        person_get_for_user(user=portal_user, pk=former.pk, organization=organization)


def test_portal_finds_a_report_by_year_within_its_organization(portal_user, records, organization, other_organization):
    YearlyReportFactory(organization=other_organization, year=2022)

    report = yearly_report_get_for_user(user=portal_user, organization=organization, year=2023)

    assert report == records.ours["report"]
    with pytest.raises(Http404):
        yearly_report_get_for_user(user=portal_user, organization=organization, year=2022)


def test_a_report_is_found_by_pk_or_by_year_not_both(portal_user, records, organization):
    with pytest.raises(TypeError):
        yearly_report_get_for_user(user=portal_user, organization=organization)
    with pytest.raises(TypeError):
        yearly_report_get_for_user(user=portal_user, pk=records.ours["report"].pk, organization=organization, year=2023)


def test_portal_viewer_gets_404_not_403_for_a_report_that_does_not_exist(portal_viewer, organization):
    assert not YearlyReport.objects.filter(year=2020).exists()

    with pytest.raises(Http404):
        yearly_report_get_for_user(user=portal_viewer, organization=organization, year=2020, for_change=True)


# --- Everyone else ------------------------------------------------------------------------


@pytest.mark.parametrize("make_user", [AnonymousUser, lambda: UserFactory(username="nobody")])
def test_anonymous_and_users_without_role_get_404(records, make_user):
    user = make_user()
    for kind in HELPERS:
        with pytest.raises(Http404):
            _get(kind, records.ours[kind], user=user)
        with pytest.raises(Http404):
            _get(kind, records.ours[kind], user=user, for_change=True)


# --- Who may change which organization ----------------------------------------------------


def test_organization_can_change_for_staff_follows_the_registry_editor_roles(staff_users, organization):
    for role, user in staff_users.items():
        # A coordinator changes only the members of their networks (none here): see
        # tests/networks/test_networks_coordinator_scope.py.
        expected = role in REGISTRY_EDITORS and role != StaffRole.COORDINATOR
        assert organization_can_change(user, organization) is expected, role
        # Creating a new organization (no organization yet): every registry editor.
        assert organization_can_change(user, None) is (role in REGISTRY_EDITORS), role


def test_organization_can_change_in_the_portal_follows_the_portal_role(
    portal_users, other_portal_user, organization, other_organization
):
    assert organization_can_change(portal_users[PortalRole.ADMIN], organization, portal=True)
    assert organization_can_change(portal_users[PortalRole.EDITOR], organization, portal=True)
    assert not organization_can_change(portal_users[PortalRole.VIEWER], organization, portal=True)
    assert not organization_can_change(other_portal_user, organization, portal=True)
    assert organization_can_change(other_portal_user, other_organization, portal=True)
    assert not organization_can_change(other_portal_user, None, portal=True)
    # Portal roles give no staff rights.
    assert not organization_can_change(portal_users[PortalRole.ADMIN], organization)
