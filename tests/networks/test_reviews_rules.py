"""Rules of the reviews area through its services: stage moves (dated, attributed, only the
allowed ones), the deadline of a round on its boundary days, who answers, invitations in one
idempotent query, reminders sent once in each recipient's language, price references."""

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from clac.roles import PortalRole, StaffRole
from members.models import Country
from networks.models import ConsultationInvitation, ConsultationResponse, PriceReference, Review, ReviewEvent
from networks.services import reviews as services
from tests.factories import AffiliationFactory, OrganizationFactory, PersonFactory, PortalAccessFactory, UserFactory
from tests.networks.factories import NetworkMembershipFactory
from tests.networks.factories_reviews import ReviewFactory, RoundFactory, invite

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    return UserFactory(username="r-admin", roles=[StaffRole.ADMIN], language="en")


def _editor(organization, role=PortalRole.EDITOR, **kwargs):
    kwargs.setdefault("language", "en")
    user = UserFactory(**kwargs)
    PortalAccessFactory(user=user, organization=organization, role=role)
    return user


def test_review_moves_forward_one_stage_with_a_dated_attributed_event(admin):
    review = ReviewFactory(stage=Review.Stage.PLANNING, stage_since=datetime.date(2022, 9, 1))
    moved = services.review_move(
        actor=admin, review=review, to_stage="consultation", effective_on=datetime.date(2022, 12, 1), note="Abre"
    )
    assert (moved.stage, moved.stage_since) == ("consultation", datetime.date(2022, 12, 1))
    event = ReviewEvent.objects.filter(review=review).latest("id")
    assert (event.from_stage, event.to_stage, event.actor, event.note) == ("planning", "consultation", admin, "Abre")
    assert review.history.count() == 2  # created, then moved


def test_skipping_a_stage_or_going_back_is_refused_and_changes_nothing(admin):
    review = ReviewFactory(stage=Review.Stage.CONSULTATION)
    for target in ("proposal", "planning", "published", "nonsense"):
        with pytest.raises(ValidationError) as error:
            services.review_move(actor=admin, review=review, to_stage=target)
        assert "to_stage" in error.value.message_dict
    review.refresh_from_db()
    assert review.stage == "consultation"
    assert ReviewEvent.objects.filter(review=review).count() == 1


def test_analysis_may_go_back_to_consultation_for_another_round(admin):
    review = ReviewFactory(stage=Review.Stage.ANALYSIS)
    assert services.review_move(actor=admin, review=review, to_stage="consultation").stage == "consultation"


def test_a_price_review_is_decided_only_with_a_decision_recorded(admin):
    review = ReviewFactory(stage=Review.Stage.PROPOSAL)
    with pytest.raises(ValidationError):
        services.review_move(actor=admin, review=review, to_stage="decided")
    services.price_reference_record(
        actor=admin, review=review, kind="decision", minimum_price=Decimal("1.80"), premium=Decimal("0.20"),
        effective_from=datetime.date(2023, 8, 1),
    )  # fmt: skip
    assert services.review_move(actor=admin, review=review, to_stage="decided").stage == "decided"


def test_a_move_dated_in_the_future_or_before_the_stage_began_is_refused(admin):
    review = ReviewFactory(stage=Review.Stage.CONSULTATION, stage_since=datetime.date(2022, 12, 1))
    for on in (timezone.localdate() + datetime.timedelta(days=1), datetime.date(2022, 11, 30)):
        with pytest.raises(ValidationError):
            services.review_move(actor=admin, review=review, to_stage="analysis", effective_on=on)


def test_a_coordinator_of_another_network_or_a_viewer_cannot_move_a_review():
    review = ReviewFactory()
    for role in (StaffRole.COORDINATOR, StaffRole.VIEWER, StaffRole.FINANCE):
        with pytest.raises(PermissionDenied):
            services.review_move(actor=UserFactory(roles=[role]), review=review, to_stage="analysis")


def test_the_coordinator_of_the_product_network_manages_its_review():
    review = ReviewFactory()
    coordinator = UserFactory(roles=[StaffRole.COORDINATOR])
    review.network.coordinators.add(coordinator)
    assert services.review_move(actor=coordinator, review=review, to_stage="analysis").stage == "analysis"


# --- Invitations ----------------------------------------------------------------------------


def test_inviting_takes_one_query_and_twice_invites_nobody_twice(admin):
    round_ = RoundFactory()
    network = round_.review.network
    peru = [OrganizationFactory() for _ in range(3)]
    colombia = OrganizationFactory(country=Country.objects.get(code="CO"))
    for org in (*peru, colombia):
        NetworkMembershipFactory(network=network, organization=org)
    NetworkMembershipFactory(network=network, organization=OrganizationFactory(), until=datetime.date(2021, 1, 1))
    with CaptureQueriesContext(connection) as queries:
        added = services.consultation_invite(actor=admin, round_=round_, countries=[Country.objects.get(code="PE")])
    assert added == 3
    assert sum("INSERT" in q["sql"] for q in queries.captured_queries) == 1
    assert services.consultation_invite(actor=admin, round_=round_, countries=[]) == 1
    assert services.consultation_invite(actor=admin, round_=round_) == 0
    assert set(ConsultationInvitation.objects.filter(round=round_).values_list("organization_id", flat=True)) == {
        *(o.pk for o in peru),
        colombia.pk,
    }


# --- Answers and the deadline ---------------------------------------------------------------


@pytest.fixture
def open_round():
    today = timezone.localdate()
    round_ = RoundFactory(opens_on=today - datetime.timedelta(days=5), closes_on=today)
    organization = OrganizationFactory()
    invite(round_, organization)
    return round_, organization


def test_an_editor_saves_a_draft_then_submits_on_the_closing_day(open_round):
    round_, organization = open_round
    editor = _editor(organization)
    draft = services.consultation_response_save(
        actor=editor, round_=round_, organization=organization, currency="usd", cost_labour=Decimal("1.0"),
        open_answers=["Los fertilizantes"],
    )  # fmt: skip
    assert (draft.status, draft.cost_total, draft.currency) == ("draft", Decimal("1.0"), "USD")
    submitted = services.consultation_response_save(
        actor=editor, round_=round_, organization=organization, submit=True, cost_inputs=Decimal("0.5"),
        today=round_.closes_on,
    )  # fmt: skip
    submitted.refresh_from_db()
    assert submitted.status == "submitted" and submitted.cost_total == Decimal("1.5")
    assert submitted.submitted_by == editor and submitted.submitted_at is not None
    assert submitted.open_answers == ["Los fertilizantes"]


def test_the_day_after_closing_answers_are_refused_with_a_clear_message(open_round):
    round_, organization = open_round
    editor = _editor(organization)
    with pytest.raises(ValidationError) as error:
        services.consultation_response_save(
            actor=editor, round_=round_, organization=organization, currency="USD", cost_labour=Decimal(1),
            today=round_.closes_on + datetime.timedelta(days=1),
        )  # fmt: skip
    assert f"closed on {round_.closes_on.isoformat()}" in str(error.value)
    assert not ConsultationResponse.objects.exists()


def test_before_opening_answers_are_refused(open_round):
    round_, organization = open_round
    with pytest.raises(ValidationError):
        services.consultation_response_save(
            actor=_editor(organization), round_=round_, organization=organization,
            today=round_.opens_on - datetime.timedelta(days=1),
        )  # fmt: skip


def test_viewers_uninvited_organizations_and_staff_cannot_answer(open_round):
    round_, organization = open_round
    viewer = _editor(organization, role=PortalRole.VIEWER)
    with pytest.raises(PermissionDenied):
        services.consultation_response_save(actor=viewer, round_=round_, organization=organization)
    outsider = OrganizationFactory()
    with pytest.raises(PermissionDenied):
        services.consultation_response_save(actor=_editor(outsider), round_=round_, organization=outsider)
    with pytest.raises(PermissionDenied):
        services.consultation_response_save(
            actor=UserFactory(roles=[StaffRole.ADMIN]), round_=round_, organization=organization
        )
    assert not ConsultationResponse.objects.exists()


def test_a_submitted_answer_is_final_and_an_incomplete_one_cannot_be_submitted(open_round):
    round_, organization = open_round
    editor = _editor(organization)
    with pytest.raises(ValidationError) as error:
        services.consultation_response_save(actor=editor, round_=round_, organization=organization, submit=True)
    assert {"currency", "cost_labour"} <= set(error.value.message_dict)
    services.consultation_response_save(
        actor=editor, round_=round_, organization=organization, submit=True, currency="USD", cost_labour=Decimal(2)
    )
    with pytest.raises(ValidationError):
        services.consultation_response_save(
            actor=editor, round_=round_, organization=organization, cost_labour=Decimal(3)
        )
    assert ConsultationResponse.objects.get().cost_total == Decimal(2)


# --- Reminders ------------------------------------------------------------------------------


def test_reminders_go_once_to_contacts_in_their_language_and_never_to_who_submitted():
    today = timezone.localdate()
    round_ = RoundFactory(opens_on=today - datetime.timedelta(days=20), closes_on=today + datetime.timedelta(days=5))
    waiting, done, far = OrganizationFactory(), OrganizationFactory(), OrganizationFactory()
    invite(round_, waiting, done)
    AffiliationFactory(
        organization=waiting, is_primary=True, person=PersonFactory(email="jefa@coop.example", preferred_language="en")
    )
    _editor(waiting, email="editor@coop.example", language="fr")
    _editor(done, email="done@coop.example")
    ConsultationResponse.objects.create(
        round=round_, organization=done, status="submitted", currency="USD", cost_total=1, submitted_at=timezone.now()
    )
    later = RoundFactory(opens_on=today, closes_on=today + datetime.timedelta(days=30))
    invite(later, far)
    _editor(far, email="far@coop.example")

    result = services.consultation_reminders_send(today=today)
    assert result["emails"] == 2
    by_address = {message.to[0]: message for message in mail.outbox}
    assert set(by_address) == {"jefa@coop.example", "editor@coop.example"}
    assert by_address["jefa@coop.example"].subject.startswith("Reminder")
    assert round_.title in by_address["editor@coop.example"].body
    assert ConsultationInvitation.objects.get(round=round_, organization=waiting).reminded_at is not None

    assert services.consultation_reminders_send(today=today)["emails"] == 0
    assert len(mail.outbox) == 2


# --- Price references -----------------------------------------------------------------------


def test_bad_price_reference_input_is_refused_with_every_error_at_once(admin):
    review = ReviewFactory()
    with pytest.raises(ValidationError) as error:
        services.price_reference_record(
            actor=admin, review=review, kind="x", minimum_price=Decimal(0), premium=Decimal(-1), effective_from=None,
            currency="dollars",
        )  # fmt: skip
    assert {"kind", "minimum_price", "premium", "effective_from", "currency"} <= set(error.value.message_dict)
    assert not PriceReference.objects.exists()


def test_the_daily_task_sends_the_reminders_and_is_in_the_beat_schedule():
    from clac.plugins import beat_schedule
    from networks import tasks

    today = timezone.localdate()
    round_ = RoundFactory(opens_on=today, closes_on=today + datetime.timedelta(days=1))
    organization = OrganizationFactory()
    invite(round_, organization)
    _editor(organization, email="coop@coop.example")
    assert tasks.consultation_reminders_send() == {"invitations": 1, "emails": 1, "without_contact": 0}
    assert tasks.consultation_reminders_send()["emails"] == 0
    assert [m.to for m in mail.outbox] == [["coop@coop.example"]]
    entry = beat_schedule()["networks-consultation-reminders"]
    assert entry["task"] == "networks.tasks.consultation_reminders_send"


def test_the_closing_day_ends_at_midnight_in_the_projects_time_zone_not_in_utc(settings):
    from unittest import mock
    from zoneinfo import ZoneInfo

    settings.TIME_ZONE = "America/Panama"  # UTC-5 all year
    closing = datetime.date(2023, 2, 28)
    round_ = RoundFactory(opens_on=datetime.date(2022, 12, 1), closes_on=closing)
    organization = OrganizationFactory()
    invite(round_, organization)
    editor = _editor(organization)
    utc = ZoneInfo("UTC")
    late_evening = datetime.datetime(2023, 3, 1, 4, 30, tzinfo=utc)  # 23:30 on 28 February in Panama
    with mock.patch("django.utils.timezone.now", return_value=late_evening):
        services.consultation_response_save(
            actor=editor, round_=round_, organization=organization, currency="USD", cost_labour=Decimal(1)
        )
    after_midnight = datetime.datetime(2023, 3, 1, 5, 30, tzinfo=utc)  # 00:30 on 1 March in Panama
    with mock.patch("django.utils.timezone.now", return_value=after_midnight), pytest.raises(ValidationError):
        services.consultation_response_save(
            actor=editor, round_=round_, organization=organization, cost_labour=Decimal(2)
        )
    assert ConsultationResponse.objects.get().cost_labour == Decimal(1)
