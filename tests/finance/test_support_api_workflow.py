"""The rest of the support-funds workflow through the staff API: scores (finance, admin and M&E
officers), tranches planned and paid, the final report reviewed (finance and admin); every other
role, portal users, partner keys of any scope and anonymous callers are refused and change
nothing; bad input is a 400 with field messages that changes nothing; the application's detail
(scores per criterion and reviewer, weighted score, tranches, final report) costs a constant
number of queries."""

from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from clac.roles import PortalRole, StaffRole
from communications.services import api_key_create
from finance.models import Disbursement, FinalReport, JournalEntry, Score, SupportApplication
from finance.services import support as services
from tests.factories import ExternalPartnerFactory, PortalAccessFactory, UserFactory
from tests.finance.support_factories import member, open_call, submitted, today

pytestmark = pytest.mark.django_db
REVIEWERS = {StaffRole.ADMIN, StaffRole.FINANCE, StaffRole.ME_OFFICER}
MANAGERS = {StaffRole.ADMIN, StaffRole.FINANCE}
PARTNER_SCOPES = [["directory:read"], ["stats:read"], ["indicators:read", "reviews:read", "directory:read"]]


@pytest.fixture
def world(db):
    call = open_call(budget="20000.00")
    application = submitted(call, member(name="Cooperativa Evaluada"), amount="4000.00")
    approved = services.application_approve(
        actor=None,
        application=submitted(call, member(name="Cooperativa Aprobada"), amount="6000.00"),
        amount_usd=Decimal("5000.00"),
        notify=False,
    )
    tranche = services.tranche_plan(actor=None, application=approved, amount=Decimal("2000.00"), planned_on=today())
    report = services.report_submit(actor=None, application=approved, text="Informe final")
    users = {role: UserFactory(username=f"w-{role}", roles=[role], language="en") for role in StaffRole}
    users["portal"] = UserFactory(username="w-portal", language="en")
    PortalAccessFactory(user=users["portal"], organization=approved.organization, role=PortalRole.ADMIN)
    return {
        "call": call,
        "application": application,
        "approved": approved,
        "tranche": tranche,
        "report": report,
        "users": users,
    }


def _api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _partner(scopes: list[str]) -> APIClient:
    _key, raw = api_key_create(partner=ExternalPartnerFactory(name="-".join(scopes)), name="k", scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def fingerprint() -> dict:
    """Every support row and its state-bearing columns: a refused call must leave all of it."""
    return {
        "scores": sorted(Score.objects.values_list("application_id", "criterion_id", "reviewer_id", "score")),
        "applications": sorted(SupportApplication.objects.values_list("pk", "status", "approved_usd")),
        "tranches": sorted(Disbursement.objects.values_list("pk", "amount", "paid_on", "journal_entry_id")),
        "reports": sorted(FinalReport.objects.values_list("pk", "status", "staff_comment")),
        "entries": JournalEntry.objects.count(),
    }


def _endpoints(world) -> dict[str, tuple[str, dict]]:
    application, approved = world["application"], world["approved"]
    criteria = list(world["call"].criteria.all())
    return {
        "scores": (
            reverse("api-v1:support-application-scores", kwargs={"pk": application.pk}),
            {"scores": [{"criterion": c.pk, "score": 1} for c in criteria]},
        ),
        "tranches": (
            reverse("api-v1:support-application-tranches", kwargs={"pk": approved.pk}),
            {"amount": "100.00", "planned_on": today().isoformat()},
        ),
        "tranche-pay": (
            reverse(
                "api-v1:support-application-tranche-pay", kwargs={"pk": approved.pk, "tranche_id": world["tranche"].pk}
            ),
            {"paid_on": today().isoformat()},
        ),
        "report-review": (
            reverse("api-v1:support-application-report-review", kwargs={"pk": approved.pk}),
            {"accept": True, "comment": ""},
        ),
    }


@pytest.mark.parametrize("name", ["scores", "tranches", "tranche-pay", "report-review"])
def test_other_roles_portal_users_partner_keys_and_anonymous_are_refused_and_nothing_changes(world, name):
    url, body = _endpoints(world)[name]
    allowed = REVIEWERS if name == "scores" else MANAGERS
    before = fingerprint()
    for role in set(StaffRole) - allowed:
        assert _api(world["users"][role]).post(url, body, format="json").status_code == 403, role
    assert _api(world["users"]["portal"]).post(url, body, format="json").status_code == 403
    for scopes in PARTNER_SCOPES:
        assert _partner(scopes).post(url, body, format="json").status_code == 403, scopes
    assert APIClient().post(url, body, format="json").status_code in (401, 403)
    assert fingerprint() == before


@pytest.mark.parametrize("role", sorted(REVIEWERS))
def test_reviewers_record_their_scores_and_the_application_goes_under_review(world, role):
    application = world["application"]
    impacto, viabilidad = world["call"].criteria.all()
    url, _body = _endpoints(world)["scores"]
    user = world["users"][role]
    body = {"scores": [{"criterion": impacto.pk, "score": 5}, {"criterion": viabilidad.pk, "score": 4}]}
    response = _api(user).post(url, body, format="json")
    assert response.status_code == 200, response.json()
    application.refresh_from_db()
    assert application.status == SupportApplication.Status.UNDER_REVIEW
    assert dict(Score.objects.filter(reviewer=user).values_list("criterion_id", "score")) == {
        impacto.pk: 5,
        viabilidad.pk: 4,
    }
    data = response.json()
    assert data["status"] == "under_review"
    assert [c["scores"][0]["score"] for c in data["scores"]] == [5, 4]
    assert data["scores"][0]["scores"][0]["reviewer"]["id"] == user.pk
    # (2 * 5/5 + 1 * 4/10) / 3 * 100
    assert data["weighted_score"] == "80.0"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"scores": []}, "scores"),
        ({}, "scores"),
        ({"scores": [{"criterion": "x", "score": 1}]}, "scores"),
        ({"scores": [{"criterion": 1, "score": -1}]}, "scores"),
        ("dup", "scores"),
        ("above", "criterion_"),
        ("unknown", "non_field_errors"),
    ],
    ids=["empty", "missing", "not-a-number", "negative", "duplicate", "above-maximum", "other-calls-criterion"],
)
def test_bad_scores_are_a_400_with_field_messages_and_nothing_is_recorded(world, body, field):
    impacto, viabilidad = world["call"].criteria.all()
    other = open_call().criteria.first()
    body = (
        {
            "dup": {"scores": [{"criterion": impacto.pk, "score": 1}, {"criterion": impacto.pk, "score": 2}]},
            "above": {"scores": [{"criterion": impacto.pk, "score": 5}, {"criterion": viabilidad.pk, "score": 11}]},
            "unknown": {"scores": [{"criterion": other.pk, "score": 1}]},
        }.get(body, body)
        if isinstance(body, str)
        else body
    )
    url, _body = _endpoints(world)["scores"]
    before = fingerprint()
    response = _api(world["users"][StaffRole.FINANCE]).post(url, body, format="json")
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert any(key.startswith(field) for key in details), details
    assert fingerprint() == before
    assert world["application"].status == SupportApplication.Status.SUBMITTED


def test_a_decided_application_is_not_scored(world):
    url = reverse("api-v1:support-application-scores", kwargs={"pk": world["approved"].pk})
    criterion = world["call"].criteria.first()
    before = fingerprint()
    response = _api(world["users"][StaffRole.ME_OFFICER]).post(
        url, {"scores": [{"criterion": criterion.pk, "score": 1}]}, format="json"
    )
    assert response.status_code == 400
    assert "Only submitted applications are scored" in str(response.json())
    assert fingerprint() == before


@pytest.mark.parametrize("role", sorted(MANAGERS))
def test_managers_plan_a_tranche_within_the_approved_amount(world, role):
    url, _body = _endpoints(world)["tranches"]
    api = _api(world["users"][role])
    response = api.post(url, {"amount": "3000.00", "planned_on": today().isoformat()}, format="json")
    assert response.status_code == 201, response.json()
    assert sorted(world["approved"].tranches.values_list("amount", flat=True)) == [
        Decimal("2000.00"),
        Decimal("3000.00"),
    ]
    assert response.json()["tranche_remaining"] == "0.00"
    before = fingerprint()
    response = api.post(url, {"amount": "0.01", "planned_on": today().isoformat()}, format="json")
    assert response.status_code == 400
    assert "remain to disburse" in response.json()["error"]["details"]["amount"][0]
    assert fingerprint() == before


@pytest.mark.parametrize(
    "body",
    [{"amount": "0", "planned_on": "2026-01-01"}, {"amount": "10"}, {"amount": "abc", "planned_on": "x"}],
    ids=["zero", "no-date", "garbage"],
)
def test_a_bad_tranche_is_a_400_and_nothing_is_planned(world, body):
    url, _body = _endpoints(world)["tranches"]
    before = fingerprint()
    assert _api(world["users"][StaffRole.FINANCE]).post(url, body, format="json").status_code == 400
    assert fingerprint() == before


def test_a_tranche_of_an_application_not_approved_is_refused(world):
    url = reverse("api-v1:support-application-tranches", kwargs={"pk": world["application"].pk})
    before = fingerprint()
    response = _api(world["users"][StaffRole.FINANCE]).post(
        url, {"amount": "10", "planned_on": today().isoformat()}, format="json"
    )
    assert response.status_code == 400
    assert "Only approved applications are disbursed" in str(response.json())
    assert fingerprint() == before


@pytest.mark.parametrize("role", sorted(MANAGERS))
def test_managers_pay_a_tranche_and_it_is_posted_once(world, role):
    url, body = _endpoints(world)["tranche-pay"]
    api = _api(world["users"][role])
    response = api.post(url, body, format="json")
    assert response.status_code == 200, response.json()
    tranche = world["tranche"]
    tranche.refresh_from_db()
    assert tranche.paid_on == today() and tranche.journal_entry is not None
    assert response.json()["tranches"][0]["journal_entry"] == tranche.journal_entry_id
    before = fingerprint()
    response = api.post(url, body, format="json")
    assert response.status_code == 400
    assert "already been paid" in str(response.json())
    assert fingerprint() == before


def test_a_payment_in_the_future_or_of_another_applications_tranche_changes_nothing(world):
    url, _body = _endpoints(world)["tranche-pay"]
    api = _api(world["users"][StaffRole.FINANCE])
    before = fingerprint()
    response = api.post(url, {"paid_on": "2999-01-01"}, format="json")
    assert response.status_code == 400 and "paid_on" in response.json()["error"]["details"]
    assert api.post(url, {}, format="json").status_code == 400
    foreign = reverse(
        "api-v1:support-application-tranche-pay",
        kwargs={"pk": world["application"].pk, "tranche_id": world["tranche"].pk},
    )
    assert api.post(foreign, {"paid_on": today().isoformat()}, format="json").status_code == 404
    assert fingerprint() == before


@pytest.mark.parametrize("role", sorted(MANAGERS))
def test_managers_ask_for_changes_then_accept_the_final_report(world, role):
    url, _body = _endpoints(world)["report-review"]
    api = _api(world["users"][role])
    response = api.post(url, {"accept": False, "comment": "Añadan fotos"}, format="json")
    assert response.status_code == 200, response.json()
    report = world["report"]
    report.refresh_from_db()
    assert (report.status, report.staff_comment) == (FinalReport.Status.CHANGES_REQUESTED, "Añadan fotos")
    assert response.json()["final_report"]["status"] == "changes_requested"
    services.report_submit(actor=None, application=world["approved"], text="Con fotos")
    assert api.post(url, {"accept": True}, format="json").status_code == 200
    report.refresh_from_db()
    assert report.status == FinalReport.Status.ACCEPTED


@pytest.mark.parametrize(
    ("body", "field"),
    [({"accept": False, "comment": "  "}, "comment"), ({"comment": "x"}, "accept"), ({"accept": "quizá"}, "accept")],
    ids=["changes-without-comment", "no-decision", "not-a-boolean"],
)
def test_a_bad_report_review_is_a_400_and_the_report_waits(world, body, field):
    url, _body = _endpoints(world)["report-review"]
    before = fingerprint()
    response = _api(world["users"][StaffRole.FINANCE]).post(url, body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["details"]
    assert fingerprint() == before


def test_reviewing_a_report_never_sent_is_a_400(world):
    url = reverse("api-v1:support-application-report-review", kwargs={"pk": world["application"].pk})
    before = fingerprint()
    response = _api(world["users"][StaffRole.ADMIN]).post(url, {"accept": True}, format="json")
    assert response.status_code == 400
    assert "no final report" in str(response.json())
    assert fingerprint() == before


def test_the_detail_shows_the_review_and_costs_a_constant_number_of_queries(world, django_assert_max_num_queries):
    approved = world["approved"]
    criteria = list(world["call"].criteria.all())
    # Scores are recorded before the decision; write them directly on the approved application
    # to have many reviewers * criteria, and many tranches and payments.
    reviewers = [UserFactory(username=f"rev-{i}", roles=[StaffRole.ME_OFFICER]) for i in range(12)]
    Score.objects.bulk_create(
        Score(application=approved, criterion=c, reviewer=r, score=3) for r in reviewers for c in criteria
    )
    for _index in range(10):
        tranche = services.tranche_plan(actor=None, application=approved, amount=Decimal("100.00"), planned_on=today())
        services.tranche_pay(actor=None, tranche=tranche, paid_on=today())
    url = reverse("api-v1:support-application-detail", kwargs={"pk": approved.pk})
    api = _api(world["users"][StaffRole.FINANCE])
    with django_assert_max_num_queries(10):
        response = api.get(url)
    assert response.status_code == 200
    data = response.json()
    assert [len(c["scores"]) for c in data["scores"]] == [12, 12]
    assert len(data["tranches"]) == 11 and data["tranche_remaining"] == "2000.00"
    assert data["final_report"]["status"] == "submitted"
    assert data["weighted_score"] == "50.0"  # (2 * 3/5 + 1 * 3/10) / 3
    assert "email" not in str(data["scores"])


def test_the_detail_of_an_unscored_application_has_empty_scores_and_no_report(world):
    url = reverse("api-v1:support-application-detail", kwargs={"pk": world["application"].pk})
    data = _api(world["users"][StaffRole.ME_OFFICER]).get(url).json()
    assert data["weighted_score"] is None and data["final_report"] is None and data["tranches"] == []
    assert [c["scores"] for c in data["scores"]] == [[], []]
