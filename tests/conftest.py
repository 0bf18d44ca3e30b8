import pytest

from clac.roles import PortalRole, StaffRole
from tests.factories import OrganizationFactory, PortalAccessFactory, UserFactory, staff_user


@pytest.fixture
def admin_user(db):
    return staff_user(StaffRole.ADMIN, username="staff-admin")


@pytest.fixture
def viewer_user(db):
    return staff_user(StaffRole.VIEWER, username="staff-viewer")


@pytest.fixture
def organization(db):
    return OrganizationFactory()


@pytest.fixture
def other_organization(db):
    return OrganizationFactory(name="Otra Cooperativa")


@pytest.fixture
def portal_editor(db, organization):
    user = UserFactory(username="portal-editor")
    PortalAccessFactory(user=user, organization=organization, role=PortalRole.EDITOR)
    return user


@pytest.fixture
def portal_viewer(db, organization):
    user = UserFactory(username="portal-viewer")
    PortalAccessFactory(user=user, organization=organization, role=PortalRole.VIEWER)
    return user


@pytest.fixture
def other_portal_user(db, other_organization):
    user = UserFactory(username="other-portal")
    PortalAccessFactory(user=user, organization=other_organization, role=PortalRole.ADMIN)
    return user


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Service and command tests assert English source messages; requests still choose their
    own language through the middleware (the i18n tests prove that)."""
    from django.utils import translation

    with translation.override("en"):
        yield
