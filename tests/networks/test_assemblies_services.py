"""The rules of assembly sessions: designation window and eligibility, accreditation, quorum,
tallies and results, and the closed record that never changes."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from members.models import Affiliation, Membership
from networks.models import AssemblySession, Body, Delegate, Motion
from networks.services import assemblies as services
from networks.services.assemblies import motion_result
from tests.factories import AffiliationFactory, MembershipFactory, OrganizationFactory, PersonFactory, country
from tests.networks.factories import BodyFactory, CountryNetworkFactory, NetworkMembershipFactory
from tests.networks.factories_assemblies import (
    AssemblySessionFactory,
    DelegateFactory,
    MotionFactory,
    member_with_person,
)

pytestmark = pytest.mark.django_db

Status = AssemblySession.Status


def _designate(session, actor, **kwargs):
    organization, person = kwargs.pop("member", None) or member_with_person()
    kwargs.setdefault("country", country("PE"))
    return services.delegate_designate(actor=actor, session=session, organization=organization, person=person, **kwargs)


def _sitting_session(admin_user, *, accredited_votes=10, motions=0):
    """A session in session: `accredited_votes` accredited delegates, quorum certified."""
    session = AssemblySessionFactory(status=Status.ACCREDITATION, expected_votes=accredited_votes)
    DelegateFactory.create_batch(accredited_votes, session=session, status=Delegate.Status.ACCREDITED)
    services.assembly_quorum_certify(actor=admin_user, session=session)
    for _ in range(motions):
        services.motion_create(actor=admin_user, session=session, title="Moción")
    session.refresh_from_db()
    return session


# --- Sessions -----------------------------------------------------------------------------


def test_a_session_is_created_for_an_assembly_body_only(admin_user):
    board = BodyFactory(kind=Body.Kind.COORDINATING)
    with pytest.raises(ValidationError) as error:
        services.assembly_session_create(
            actor=admin_user,
            body=board,
            title="x",
            starts_on=datetime.date(2026, 1, 2),
            ends_on=datetime.date(2026, 1, 1),
        )
    assert set(error.value.message_dict) == {"body", "ends_on"}
    assert AssemblySession.objects.count() == 0


def test_creating_a_session_keeps_its_history_attributed(admin_user):
    body = BodyFactory(kind=Body.Kind.NETWORK_ASSEMBLY)
    session = services.assembly_session_create(
        actor=admin_user,
        body=body,
        title="Asamblea 2027",
        starts_on=datetime.date(2027, 3, 1),
        ends_on=datetime.date(2027, 3, 1),
    )
    assert session.status == Status.PREPARING
    assert session.history.get().history_user == admin_user


def test_designation_opens_and_closes_with_expected_votes_from_designations(admin_user):
    session = AssemblySessionFactory()
    services.assembly_designation_open(actor=admin_user, session=session)
    _designate(session, admin_user, votes=2)
    _designate(session, admin_user)
    withdrawn = _designate(session, admin_user)
    services.delegate_withdraw(actor=admin_user, delegate=withdrawn)

    services.assembly_designation_close(actor=admin_user, session=session)

    session.refresh_from_db()
    assert session.status == Status.ACCREDITATION
    assert session.expected_votes == 3
    assert session.history.first().history_user == admin_user


def test_a_transition_from_the_wrong_status_is_refused(admin_user):
    session = AssemblySessionFactory(status=Status.ACCREDITATION, expected_votes=5)
    with pytest.raises(ValidationError, match="not possible"):
        services.assembly_designation_open(actor=admin_user, session=session)
    session.refresh_from_db()
    assert session.status == Status.ACCREDITATION


def test_closing_designation_without_delegates_or_expected_votes_is_refused(admin_user):
    session = AssemblySessionFactory(status=Status.DESIGNATION_OPEN)
    with pytest.raises(ValidationError) as error:
        services.assembly_designation_close(actor=admin_user, session=session)
    assert "expected_votes" in error.value.message_dict
    session.refresh_from_db()
    assert session.status == Status.DESIGNATION_OPEN


# --- Designation --------------------------------------------------------------------------


def test_portal_designation_outside_the_open_window_is_refused(admin_user):
    for status in (Status.PREPARING, Status.ACCREDITATION):
        session = AssemblySessionFactory(status=status, expected_votes=3)
        with pytest.raises(ValidationError, match="not open"):
            _designate(session, None, via_portal=True)
    assert Delegate.objects.count() == 0


def test_staff_designation_is_refused_once_the_session_sits(admin_user):
    session = _sitting_session(admin_user, accredited_votes=2)
    with pytest.raises(ValidationError, match="Designating delegates is not possible"):
        _designate(session, admin_user)
    assert session.delegates.count() == 2


def test_a_non_member_organization_cannot_send_a_delegate_to_the_general_assembly(admin_user):
    session = AssemblySessionFactory(status=Status.DESIGNATION_OPEN)
    organization = OrganizationFactory()
    MembershipFactory(organization=organization, status=Membership.Status.SUSPENDED)
    person = PersonFactory()
    AffiliationFactory(person=person, organization=organization)
    with pytest.raises(ValidationError) as error:
        services.delegate_designate(
            actor=admin_user, session=session, organization=organization, person=person, country=country("PE")
        )
    assert "active CLAC members" in error.value.message_dict["organization"][0]
    assert Delegate.objects.count() == 0


def test_a_network_assembly_takes_delegates_from_current_network_members_only(admin_user):
    network = CountryNetworkFactory()
    session = AssemblySessionFactory(
        body=BodyFactory(kind=Body.Kind.NETWORK_ASSEMBLY, network=network), status=Status.DESIGNATION_OPEN
    )
    member, member_person = member_with_person()
    NetworkMembershipFactory(network=network, organization=member)
    former, former_person = member_with_person()
    NetworkMembershipFactory(network=network, organization=former, until=datetime.date(2021, 1, 1))

    delegate = services.delegate_designate(
        actor=admin_user, session=session, organization=member, person=member_person, country=country("PE")
    )
    with pytest.raises(ValidationError, match="network"):
        services.delegate_designate(
            actor=admin_user, session=session, organization=former, person=former_person, country=country("PE")
        )
    assert list(session.delegates.all()) == [delegate]


def test_the_delegate_must_currently_serve_the_organization(admin_user):
    session = AssemblySessionFactory(status=Status.DESIGNATION_OPEN)
    organization, _person = member_with_person()
    former = PersonFactory()
    AffiliationFactory(person=former, organization=organization, end_date=datetime.date(2022, 1, 1))
    stranger = PersonFactory()
    for person in (former, stranger):
        with pytest.raises(ValidationError) as error:
            services.delegate_designate(
                actor=admin_user, session=session, organization=organization, person=person, country=country("PE")
            )
        assert "person" in error.value.message_dict
    assert Delegate.objects.count() == 0


def test_an_organization_names_at_most_the_session_cap(admin_user):
    session = AssemblySessionFactory(status=Status.DESIGNATION_OPEN, delegates_per_organization=1)
    organization, person = member_with_person()
    second = PersonFactory()
    AffiliationFactory(person=second, organization=organization, role=Affiliation.Role.DELEGATE)
    first = services.delegate_designate(
        actor=admin_user, session=session, organization=organization, person=person, country=country("PE")
    )
    with pytest.raises(ValidationError, match="at most 1"):
        services.delegate_designate(
            actor=admin_user, session=session, organization=organization, person=second, country=country("PE")
        )
    # Withdrawing frees the place.
    services.delegate_withdraw(actor=admin_user, delegate=first)
    services.delegate_designate(
        actor=admin_user, session=session, organization=organization, person=second, country=country("PE")
    )
    assert session.delegates.exclude(status=Delegate.Status.WITHDRAWN).count() == 1


def test_a_delegate_represents_a_country_or_a_product_and_the_portal_cannot_set_votes(admin_user):
    session = AssemblySessionFactory(status=Status.DESIGNATION_OPEN)
    with pytest.raises(ValidationError) as error:
        _designate(session, admin_user, country=None, product_network="")
    assert "product_network" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _designate(session, None, votes=3, via_portal=True)
    assert "votes" in error.value.message_dict
    assert Delegate.objects.count() == 0


def test_a_person_sits_once_per_session(admin_user):
    session = AssemblySessionFactory(status=Status.DESIGNATION_OPEN)
    organization, person = member_with_person()
    other_org, _ = member_with_person()
    AffiliationFactory(person=person, organization=other_org)
    services.delegate_designate(
        actor=admin_user, session=session, organization=organization, person=person, country=country("PE")
    )
    with pytest.raises(ValidationError, match="already a delegate"):
        services.delegate_designate(
            actor=admin_user, session=session, organization=other_org, person=person, country=country("PE")
        )


def test_a_designated_delegate_can_be_changed_to_another_person_of_the_organization(admin_user):
    session = AssemblySessionFactory(status=Status.DESIGNATION_OPEN)
    delegate = _designate(session, admin_user)
    replacement = PersonFactory()
    AffiliationFactory(person=replacement, organization=delegate.organization)
    outsider = PersonFactory()

    with pytest.raises(ValidationError):
        services.delegate_update(actor=None, delegate=delegate, via_portal=True, person=outsider)
    with pytest.raises(ValidationError):
        services.delegate_update(actor=None, delegate=delegate, via_portal=True, votes=4)
    services.delegate_update(actor=admin_user, delegate=delegate, via_portal=True, person=replacement)

    delegate.refresh_from_db()
    assert delegate.person == replacement
    assert delegate.votes == 1


# --- Accreditation and quorum -------------------------------------------------------------


def test_accreditation_needs_designation_closed_and_designated_delegates(admin_user):
    session = AssemblySessionFactory(status=Status.DESIGNATION_OPEN)
    delegate = _designate(session, admin_user)
    with pytest.raises(ValidationError, match="Accrediting"):
        services.delegates_accredit(actor=admin_user, session=session, delegate_ids=[delegate.pk])

    services.assembly_designation_close(actor=admin_user, session=session)
    other_session_delegate = DelegateFactory()
    with pytest.raises(ValidationError):
        services.delegates_accredit(
            actor=admin_user, session=session, delegate_ids=[delegate.pk, other_session_delegate.pk]
        )
    delegate.refresh_from_db()
    assert delegate.status == Delegate.Status.DESIGNATED

    assert services.delegates_accredit(actor=admin_user, session=session, delegate_ids=[delegate.pk]) == 1
    delegate.refresh_from_db()
    assert delegate.status == Delegate.Status.ACCREDITED
    assert delegate.accredited_by == admin_user
    assert delegate.history.first().history_user == admin_user


def test_quorum_not_met_is_refused_with_both_figures(admin_user):
    session = AssemblySessionFactory(status=Status.ACCREDITATION, expected_votes=201)
    DelegateFactory.create_batch(100, session=session, status=Delegate.Status.ACCREDITED)
    with pytest.raises(ValidationError) as error:
        services.assembly_quorum_certify(actor=admin_user, session=session)
    message = error.value.messages[0]
    assert "100 accredited votes" in message
    assert "100.5" in message
    assert "201" in message
    session.refresh_from_db()
    assert session.status == Status.ACCREDITATION
    assert session.quorum_certified_at is None


def test_quorum_met_opens_the_session_and_keeps_the_figure(admin_user):
    session = AssemblySessionFactory(status=Status.ACCREDITATION, expected_votes=200, quorum_percent=Decimal("50"))
    DelegateFactory.create_batch(50, session=session, status=Delegate.Status.ACCREDITED, votes=2)
    services.assembly_quorum_certify(actor=admin_user, session=session)
    session.refresh_from_db()
    assert session.status == Status.IN_SESSION
    assert session.quorum_votes == 100
    assert session.quorum_certified_by == admin_user
    with pytest.raises(ValidationError):
        services.assembly_session_update(actor=admin_user, session=session, quorum_percent=Decimal("40"))


# --- Motions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("votes_for", "votes_against", "two_thirds", "result"),
    [
        (6, 5, False, Motion.Result.CARRIED),
        (5, 5, False, Motion.Result.REJECTED),
        (66, 34, True, Motion.Result.REJECTED),
        (67, 33, True, Motion.Result.CARRIED),
        (2, 1, True, Motion.Result.CARRIED),
        (0, 0, True, Motion.Result.REJECTED),
    ],
)
def test_motion_result_majorities(votes_for, votes_against, two_thirds, result):
    assert motion_result(votes_for=votes_for, votes_against=votes_against, requires_two_thirds=two_thirds) == result


def test_a_tally_over_the_accredited_votes_is_refused(admin_user):
    session = _sitting_session(admin_user, accredited_votes=10, motions=1)
    motion = session.motions.get()
    with pytest.raises(ValidationError) as error:
        services.motion_record_tally(actor=admin_user, motion=motion, votes_for=6, votes_against=4, votes_abstain=1)
    assert "11 votes" in error.value.messages[0]
    assert "only 10" in error.value.messages[0]
    motion.refresh_from_db()
    assert motion.result == Motion.Result.PENDING
    assert motion.votes_for is None


def test_a_tally_records_the_result(admin_user):
    session = _sitting_session(admin_user, accredited_votes=10, motions=1)
    motion = services.motion_record_tally(
        actor=admin_user, motion=session.motions.get(), votes_for=4, votes_against=5, votes_abstain=1
    )
    assert motion.result == Motion.Result.REJECTED
    assert motion.recorded_by == admin_user


def test_a_tally_before_the_quorum_is_refused(admin_user):
    session = AssemblySessionFactory(status=Status.ACCREDITATION, expected_votes=2)
    motion = MotionFactory(session=session)
    with pytest.raises(ValidationError, match="Recording a vote"):
        services.motion_record_tally(actor=admin_user, motion=motion, votes_for=1, votes_against=0, votes_abstain=0)


def test_closing_needs_every_motion_decided_or_withdrawn(admin_user):
    session = _sitting_session(admin_user, accredited_votes=4, motions=3)
    first, second, third = session.motions.order_by("number")
    services.motion_record_tally(actor=admin_user, motion=first, votes_for=3, votes_against=1, votes_abstain=0)
    with pytest.raises(ValidationError, match="2, 3"):
        services.assembly_session_close(actor=admin_user, session=session)
    services.motion_withdraw(actor=admin_user, motion=second)
    services.motion_record_tally(actor=admin_user, motion=third, votes_for=1, votes_against=3, votes_abstain=0)

    services.assembly_session_close(actor=admin_user, session=session)

    session.refresh_from_db()
    assert session.status == Status.CLOSED
    assert session.closed_by == admin_user


# --- A closed session never changes -------------------------------------------------------


@pytest.fixture
def closed_session(admin_user):
    session = _sitting_session(admin_user, accredited_votes=3, motions=1)
    services.motion_record_tally(
        actor=admin_user, motion=session.motions.get(), votes_for=2, votes_against=1, votes_abstain=0
    )
    services.assembly_session_close(actor=admin_user, session=session)
    session.refresh_from_db()
    return session


WRITE_PATHS = {
    "session_update": lambda s, a: services.assembly_session_update(actor=a, session=s, title="Otra"),
    "designation_open": lambda s, a: services.assembly_designation_open(actor=a, session=s),
    "designation_close": lambda s, a: services.assembly_designation_close(actor=a, session=s),
    "quorum_certify": lambda s, a: services.assembly_quorum_certify(actor=a, session=s),
    "session_close": lambda s, a: services.assembly_session_close(actor=a, session=s),
    "delegate_designate": lambda s, a: _designate(s, a),
    "delegate_update": lambda s, a: services.delegate_update(actor=a, delegate=s.delegates.first(), votes=5),
    "delegate_withdraw": lambda s, a: services.delegate_withdraw(actor=a, delegate=s.delegates.first()),
    "delegates_accredit": lambda s, a: services.delegates_accredit(
        actor=a, session=s, delegate_ids=[s.delegates.first().pk]
    ),
    "motion_create": lambda s, a: services.motion_create(actor=a, session=s, title="Nueva"),
    "motion_update": lambda s, a: services.motion_update(
        actor=a, motion=s.motions.first(), title="Otra", text="", requires_two_thirds=False
    ),
    "motion_record_tally": lambda s, a: services.motion_record_tally(
        actor=a, motion=s.motions.first(), votes_for=1, votes_against=0, votes_abstain=0
    ),
    "motion_withdraw": lambda s, a: services.motion_withdraw(actor=a, motion=s.motions.first()),
}


@pytest.mark.parametrize("path", sorted(WRITE_PATHS))
def test_a_closed_session_refuses_every_change(closed_session, admin_user, path):
    def snapshot():
        return (
            list(AssemblySession.objects.values()),
            list(Delegate.objects.order_by("pk").values()),
            list(Motion.objects.order_by("pk").values()),
            AssemblySession.history.count() + Delegate.history.count() + Motion.history.count(),
        )

    before = snapshot()
    with pytest.raises(ValidationError, match="closed"):
        WRITE_PATHS[path](closed_session, admin_user)
    assert snapshot() == before
