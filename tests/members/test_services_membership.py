import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from members.models import Certification, Membership
from members.services import certification_set, membership_review_resolve, membership_transition
from tests.factories import CertificationFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def applicant(organization):
    return MembershipFactory(organization=organization, status=Membership.Status.APPLICANT, joined_on=None)


def test_activation_with_a_current_certificate_records_a_dated_attributed_event(admin_user, organization, applicant):
    CertificationFactory(organization=organization, status=Certification.Status.CERTIFIED)

    membership_transition(actor=admin_user, organization=organization, to_status="active", reason="Assembly vote")

    applicant.refresh_from_db()
    assert applicant.status == Membership.Status.ACTIVE
    assert applicant.joined_on == timezone.localdate()
    event = applicant.events.get()
    assert (event.from_status, event.to_status, event.actor, event.reason) == (
        "applicant",
        "active",
        admin_user,
        "Assembly vote",
    )


def test_activation_without_a_current_certificate_is_refused_unless_overridden(admin_user, organization, applicant):
    CertificationFactory(organization=organization, status=Certification.Status.SUSPENDED)

    with pytest.raises(ValidationError) as exc:
        membership_transition(actor=admin_user, organization=organization, to_status="active", reason="Vote")
    assert "override_reason" in exc.value.message_dict
    applicant.refresh_from_db()
    assert applicant.status == Membership.Status.APPLICANT
    assert not applicant.events.exists()

    membership_transition(
        actor=admin_user,
        organization=organization,
        to_status="active",
        reason="Vote",
        override_reason="Renewal audit done, certificate pending from FLOCERT",
    )
    applicant.refresh_from_db()
    assert applicant.status == Membership.Status.ACTIVE
    assert applicant.events.get().override_reason.startswith("Renewal audit")


@pytest.mark.parametrize(
    ("start", "target"),
    [("applicant", "suspended"), ("applicant", "expelled"), ("withdrawn", "active"), ("expelled", "suspended")],
)
def test_forbidden_transitions_are_refused_with_the_allowed_ones_named(admin_user, organization, start, target):
    membership = MembershipFactory(organization=organization, status=start)

    with pytest.raises(ValidationError) as exc:
        membership_transition(actor=admin_user, organization=organization, to_status=target, reason="x")

    assert "to_status" in exc.value.message_dict
    membership.refresh_from_db()
    assert membership.status == start
    assert not membership.events.exists()


@pytest.mark.parametrize(
    ("start", "target"),
    [("active", "suspended"), ("suspended", "active"), ("suspended", "withdrawn"), ("active", "expelled")],
)
def test_allowed_transitions_succeed(admin_user, organization, start, target):
    CertificationFactory(organization=organization)
    membership = MembershipFactory(organization=organization, status=start)
    membership_transition(actor=admin_user, organization=organization, to_status=target, reason="Board decision")
    membership.refresh_from_db()
    assert membership.status == target


def test_a_reason_is_required_and_the_date_cannot_be_in_the_future(admin_user, organization):
    membership = MembershipFactory(organization=organization, status="active")
    with pytest.raises(ValidationError) as exc:
        membership_transition(
            actor=admin_user,
            organization=organization,
            to_status="suspended",
            reason=" ",
            occurred_on=timezone.localdate() + datetime.timedelta(days=3),
        )
    assert set(exc.value.message_dict) == {"reason", "occurred_on"}
    membership.refresh_from_db()
    assert membership.status == "active"


def test_a_suspended_certificate_flags_the_membership_without_changing_it(admin_user, organization):
    membership = MembershipFactory(organization=organization, status="active")
    CertificationFactory(organization=organization, status="certified")

    certification_set(
        actor=admin_user,
        organization=organization,
        standard="spo",
        status="suspended",
        cycle_start=datetime.date(2024, 1, 1),
        cycle_end=datetime.date(2027, 1, 1),
    )

    membership.refresh_from_db()
    assert membership.status == "active"
    assert membership.review_requested_at is not None
    assert "Suspended" in membership.review_reason or "suspend" in membership.review_reason.lower()


def test_resolving_a_review_clears_the_flag_and_leaves_an_event(admin_user, organization):
    membership = MembershipFactory(organization=organization, status="active", review_requested_at=timezone.now())
    membership_review_resolve(actor=admin_user, organization=organization, note="Certificate reinstated")
    membership.refresh_from_db()
    assert membership.review_requested_at is None
    assert "Certificate reinstated" in membership.events.get().reason


def test_certification_rules(admin_user, organization):
    with pytest.raises(ValidationError) as exc:
        certification_set(
            actor=admin_user,
            organization=organization,
            standard="spo",
            status="certified",
            cycle_start=datetime.date(2024, 1, 1),
        )
    assert "cycle_end" in exc.value.message_dict
    with pytest.raises(ValidationError):
        certification_set(
            actor=admin_user,
            organization=organization,
            standard="spo",
            status="certified",
            cycle_start=datetime.date(2024, 1, 1),
            cycle_end=datetime.date(2023, 1, 1),
        )
    assert not organization.certifications.exists()

    cert = certification_set(
        actor=admin_user,
        organization=organization,
        standard="spo",
        status="certified",
        cycle_start=datetime.date(2024, 1, 1),
        cycle_end=datetime.date(2027, 1, 1),
        last_audit_date=datetime.date(2024, 2, 1),
        last_audit_type="renewal",
    )
    certification_set(
        actor=admin_user,
        organization=organization,
        standard="spo",
        status="permission_to_trade",
        cycle_start=datetime.date(2024, 1, 1),
        cycle_end=datetime.date(2027, 1, 1),
    )
    cert.refresh_from_db()
    assert cert.status == "permission_to_trade"
    assert cert.history.count() == 2
