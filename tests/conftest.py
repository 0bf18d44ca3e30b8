"""Fixtures shared by every test module. Users are built from the roles in clac.roles: one
staff user per StaffRole, one portal user per PortalRole of `organization`."""

from collections.abc import Callable

import pytest

from clac.models import User
from clac.roles import PortalRole, StaffRole
from members.models import Organization
from tests.factories import OrganizationFactory, PortalAccessFactory, UserFactory, staff_user


@pytest.fixture(autouse=True)
def django_db_serialized_rollback() -> None:
    """Every test that runs outside a transaction (live server, real worker, backups) gets the
    database back as the migrations left it, reference data included (countries, roles). It
    overrides pytest-django's fixture of the same name, which only its presence switches on;
    with some such tests restoring and others not, a flush by one re-creates content types
    that the next one's restore then collides with."""


@pytest.fixture
def staff_user_factory(db) -> Callable[..., User]:
    """`staff_user_factory(role, **fields)`: a user with one staff role, English interface
    (assertions read English messages). The same role gives the same user within a test."""

    def make(role: str, **fields) -> User:
        fields.setdefault("username", f"staff-{role}")
        fields.setdefault("language", "en")
        return staff_user(role, **fields)

    return make


@pytest.fixture
def staff_users(staff_user_factory) -> dict[str, User]:
    """One user per staff role, keyed by the role."""
    return {role: staff_user_factory(role) for role in StaffRole.values}


@pytest.fixture
def admin_user(staff_user_factory) -> User:
    return staff_user_factory(StaffRole.ADMIN)


@pytest.fixture
def editor_user(staff_user_factory) -> User:
    """A registry editor whose changes reach every organization (coordinators will be scoped
    to their networks)."""
    return staff_user_factory(StaffRole.ME_OFFICER)


@pytest.fixture
def viewer_user(staff_user_factory) -> User:
    return staff_user_factory(StaffRole.VIEWER)


@pytest.fixture
def finance_user(staff_user_factory) -> User:
    return staff_user_factory(StaffRole.FINANCE)


@pytest.fixture
def organization(db) -> Organization:
    return OrganizationFactory()


@pytest.fixture
def other_organization(db) -> Organization:
    return OrganizationFactory(name="Otra Cooperativa")


@pytest.fixture
def portal_user_factory(db) -> Callable[..., User]:
    """`portal_user_factory(role, organization, **fields)`: a user with a portal access of
    that role to the organization, English interface."""

    def make(role: str, organization: Organization, **fields) -> User:
        fields.setdefault("username", f"portal-{role}-{organization.pk}")
        fields.setdefault("language", "en")
        user = UserFactory(**fields)
        PortalAccessFactory(user=user, organization=organization, role=role)
        return user

    return make


@pytest.fixture
def portal_users(portal_user_factory, organization) -> dict[str, User]:
    """One user of `organization`'s portal per portal role, keyed by the role."""
    return {role: portal_user_factory(role, organization) for role in PortalRole.values}


@pytest.fixture
def portal_user(portal_user_factory, organization) -> User:
    """A portal admin of `organization` (and no staff role)."""
    return portal_user_factory(PortalRole.ADMIN, organization)


@pytest.fixture
def portal_editor(portal_user_factory, organization) -> User:
    return portal_user_factory(PortalRole.EDITOR, organization)


@pytest.fixture
def portal_viewer(portal_user_factory, organization) -> User:
    return portal_user_factory(PortalRole.VIEWER, organization)


@pytest.fixture
def other_portal_user(portal_user_factory, other_organization) -> User:
    """A portal admin of another organization."""
    return portal_user_factory(PortalRole.ADMIN, other_organization)


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Service and command tests assert English source messages; requests still choose their
    own language through the middleware (the i18n tests prove that)."""
    from django.utils import translation

    with translation.override("en"):
        yield
