"""Every staff API viewset fetches its single objects through the entity's access helper."""

from unittest import mock

import pytest
from rest_framework.test import APIClient

from clac.roles import StaffRole
from members import selectors
from members.api.common import StaffViewSet
from members.api.urls import router
from tests.factories import OrganizationFactory, staff_user


def test_every_staff_viewset_names_its_entity_access_helper():
    staff_viewsets = {
        prefix: viewset for prefix, viewset, _basename in router.registry if issubclass(viewset, StaffViewSet)
    }

    assert {prefix: viewset.access_helper for prefix, viewset in staff_viewsets.items()} == {
        "organizations": selectors.organization_get_for_user,
        "people": selectors.person_get_for_user,
        "affiliations": selectors.affiliation_get_for_user,
        "yearly-reports": selectors.yearly_report_get_for_user,
    }


@pytest.mark.django_db
def test_organization_detail_is_fetched_by_the_access_helper_with_the_user_and_an_int_pk():
    organization = OrganizationFactory()
    user = staff_user(StaffRole.VIEWER)
    client = APIClient()
    client.force_login(user)

    with mock.patch(
        "members.api.staff.OrganizationViewSet.access_helper",
        side_effect=selectors.organization_get_for_user,
    ) as helper:
        response = client.get(f"/api/v1/organizations/{organization.pk}/")

    assert response.status_code == 200
    assert response.json()["id"] == organization.pk
    helper.assert_called_once_with(user=user, pk=organization.pk, for_change=False)
