"""Issue #12 item 20: the networks services that write audited rows in bulk leave one history
row per row written, attributed to the actor (docs/decisions/0007-bulk-writer.md)."""

import pytest

from members.models import Membership
from networks.models import AssemblySession, Delegate, Motion, NetworkMembership
from networks.services import assemblies as services
from networks.services.networks import network_memberships_sync
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory, product
from tests.networks.factories import CountryNetworkFactory, ProductNetworkFactory
from tests.networks.factories_assemblies import AssemblySessionFactory, DelegateFactory

pytestmark = pytest.mark.django_db

Status = AssemblySession.Status


def test_session_transition_by_conditional_update_leaves_one_history_row():
    actor = UserFactory()
    session = AssemblySessionFactory(status=Status.PREPARING)
    before = AssemblySession.history.filter(id=session.pk).count()

    services.assembly_designation_open(actor=actor, session=session)

    rows = AssemblySession.history.filter(id=session.pk)
    assert rows.count() == before + 1
    assert rows.first().history_user == actor
    assert rows.first().status == Status.DESIGNATION_OPEN


def test_accrediting_delegates_in_bulk_leaves_one_history_row_per_delegate():
    actor = UserFactory()
    session = AssemblySessionFactory(status=Status.ACCREDITATION)
    delegates = DelegateFactory.create_batch(4, session=session, status=Delegate.Status.DESIGNATED)
    before = Delegate.history.filter(session_id=session.pk).count()

    assert services.delegates_accredit(actor=actor, session=session, delegate_ids=[d.pk for d in delegates]) == 4

    new_rows = Delegate.history.filter(session_id=session.pk, status=Delegate.Status.ACCREDITED)
    assert Delegate.history.filter(session_id=session.pk).count() == before + 4
    assert new_rows.count() == 4
    assert set(new_rows.values_list("history_user", flat=True)) == {actor.pk}


def test_withdrawing_a_motion_by_conditional_update_leaves_one_history_row():
    actor = UserFactory()
    session = AssemblySessionFactory(status=Status.ACCREDITATION)
    motion = services.motion_create(actor=actor, session=session, title="Moción")
    before = Motion.history.filter(id=motion.pk).count()

    services.motion_withdraw(actor=actor, motion=motion)

    rows = Motion.history.filter(id=motion.pk)
    assert rows.count() == before + 1
    assert rows.first().result == Motion.Result.WITHDRAWN
    assert rows.first().history_user == actor


def test_network_sync_opens_memberships_with_history_in_bulk():
    actor = UserFactory()
    CountryNetworkFactory(name="Red Perú", countries=["PE"])
    ProductNetworkFactory(name="Red de Café", product_network="coffee")
    organization = OrganizationFactory()
    organization.products.set([product("coffee")])
    MembershipFactory(organization=organization, status=Membership.Status.ACTIVE)

    result = network_memberships_sync(organization=organization, actor=actor)

    assert result["opened"] == 2
    rows = NetworkMembership.history.filter(organization_id=organization.pk)
    assert rows.count() == 2
    assert set(rows.values_list("history_user", flat=True)) == {actor.pk}
