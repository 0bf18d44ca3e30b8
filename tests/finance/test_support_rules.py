"""Support funds: eligibility, the application window, budget lines, scores, decisions within the
call's budget (also under two concurrent approvals on PostgreSQL), tranches posted to the ledger
and the final report."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from finance import chart
from finance.models import Disbursement, FinalReport, FundingCall, JournalLine, Score, SupportApplication
from finance.selectors.support import call_applications_ranking, eligible_call_ids, organization_is_eligible
from finance.services import support as services
from members.models import ExchangeRate, Membership, Organization
from tests.factories import UserFactory
from tests.finance.support_factories import draft, member, open_call, submitted, today

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks")
Status = SupportApplication.Status


@pytest.mark.parametrize(
    ("eligibility", "organization_kwargs"),
    [
        ({"eligible_kinds": ["hl"]}, {}),
        ({"eligible_countries": ["CO"]}, {}),
        ({"eligible_product_networks": ["banana"]}, {}),
        ({"eligible_membership_statuses": ["active"]}, {"status": Membership.Status.SUSPENDED}),
    ],
    ids=["kind", "country", "product", "membership"],
)
def test_an_ineligible_organization_cannot_apply_and_does_not_see_the_call(eligibility, organization_kwargs):
    call = open_call(**eligibility)
    organization = member(**organization_kwargs)
    assert not organization_is_eligible(call=call, organization=organization)
    assert call.pk not in eligible_call_ids(organization=organization)
    with pytest.raises(ValidationError, match="not eligible"):
        draft(call, organization)
    assert not SupportApplication.objects.exists()


def test_an_organization_meeting_every_rule_is_eligible():
    call = open_call(
        eligible_kinds=["spo"],
        eligible_countries=["PE"],
        eligible_product_networks=["coffee", "cocoa"],
        eligible_membership_statuses=["active"],
    )
    organization = member()
    assert organization_is_eligible(call=call, organization=organization)
    assert eligible_call_ids(organization=organization) == [call.pk]


def test_budget_lines_must_add_up_to_the_requested_amount_and_nothing_is_saved_otherwise():
    call = open_call()
    with pytest.raises(ValidationError) as error:
        services.application_save(
            actor=None,
            call=call,
            organization=member(),
            currency="USD",
            requested_amount=Decimal("5000.00"),
            plan="",
            budget_lines=[("Viveros", Decimal("4000.00"))],
        )
    assert set(error.value.message_dict) == {"budget_lines", "plan"}
    assert not SupportApplication.objects.exists()


def test_a_request_in_another_currency_is_valued_in_usd_at_the_submission_date():
    ExchangeRate.objects.create(
        currency="PEN", date=today() - datetime.timedelta(days=30), usd_per_unit=Decimal("0.25")
    )
    call = open_call()
    application = services.application_save(
        actor=None,
        call=call,
        organization=member(),
        currency="PEN",
        requested_amount=Decimal("10000.00"),
        plan="Plan",
        budget_lines=[("Todo", Decimal("10000.00"))],
    )
    ExchangeRate.objects.create(currency="PEN", date=today(), usd_per_unit=Decimal("0.27"))
    application = services.application_submit(actor=None, application=application)
    assert application.requested_usd == Decimal("2700.00")


def test_an_application_is_refused_after_the_close_date_with_a_clear_message():
    call = open_call()
    application = draft(call, member())
    with pytest.raises(ValidationError, match="closed on"):
        services.application_submit(
            actor=None, application=application, today=call.closes_on + datetime.timedelta(days=1)
        )
    application.refresh_from_db()
    assert application.status == Status.DRAFT


def test_an_attachment_of_the_wrong_type_or_too_large_is_refused():
    application = draft(open_call(), member())
    with pytest.raises(ValidationError, match="Attach a PDF"):
        services.application_attach(actor=None, application=application, upload=SimpleUploadedFile("x.exe", b"MZ"))
    big = SimpleUploadedFile("plan.pdf", b"0" * (10 * 1024 * 1024 + 1))
    with pytest.raises(ValidationError, match="10 MB"):
        services.application_attach(actor=None, application=application, upload=big)
    services.application_attach(actor=None, application=application, upload=SimpleUploadedFile("plan.pdf", b"%PDF-1.4"))
    assert application.attachments.count() == 1


def test_scores_are_one_per_reviewer_and_criterion_and_the_ranking_weighs_them():
    call = open_call()
    impact, feasibility = call.criteria.all()
    first, second = submitted(call, member(name="A")), submitted(call, member(name="B"))
    reviewer = UserFactory(roles=["finance"])
    services.scores_record(reviewer=reviewer, application=first, scores={impact.pk: 2, feasibility.pk: 10})
    services.scores_record(reviewer=reviewer, application=first, scores={impact.pk: 5, feasibility.pk: 10})
    services.scores_record(reviewer=reviewer, application=second, scores={impact.pk: 1, feasibility.pk: 5})
    assert Score.objects.filter(application=first).count() == 2
    first.refresh_from_db()
    assert first.status == Status.UNDER_REVIEW
    ranking = call_applications_ranking(call=call)
    assert [row["application"].pk for row in ranking] == [first.pk, second.pk]
    assert ranking[0]["total"] == Decimal("100.0")
    # (2 * 1/5 + 1 * 5/10) / 3 * 100
    assert ranking[1]["total"] == Decimal("30.0")


def test_a_score_above_the_criterion_maximum_is_refused_and_nothing_is_recorded():
    call = open_call()
    impact, feasibility = call.criteria.all()
    application = submitted(call, member())
    with pytest.raises(ValidationError):
        services.scores_record(
            reviewer=UserFactory(roles=["finance"]), application=application, scores={impact.pk: 6, feasibility.pk: 3}
        )
    assert not Score.objects.exists()


def test_the_approved_total_never_exceeds_the_calls_budget():
    call = open_call(budget="10000.00")
    first = submitted(call, member(name="A"), amount="6000.00")
    second = submitted(call, member(name="B"), amount="6000.00")
    services.application_approve(actor=None, application=first, amount_usd=Decimal("6000.00"))
    with pytest.raises(ValidationError, match=r"4000\.00 USD remain"):
        services.application_approve(actor=None, application=second, amount_usd=Decimal("6000.00"))
    second.refresh_from_db()
    assert second.status == Status.SUBMITTED and second.approved_usd is None
    services.application_approve(actor=None, application=second, amount_usd=Decimal("4000.00"))


def test_the_approved_amount_cannot_exceed_the_request():
    call = open_call()
    application = submitted(call, member(), amount="3000.00")
    with pytest.raises(ValidationError, match="cannot exceed the requested"):
        services.application_approve(actor=None, application=application, amount_usd=Decimal("3000.01"))


@postgresql_only
@pytest.mark.integration
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_approvals_cannot_exceed_the_budget_together():
    call = open_call(budget="10000.00")
    applications = [submitted(call, member(name=name), amount="6000.00") for name in ("A", "B")]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(application: SupportApplication) -> None:
        try:
            barrier.wait()
            services.application_approve(actor=None, application=application, amount_usd=Decimal("6000.00"))
            outcomes.append("approved")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(application,)) for application in applications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["approved", "refused"]
    assert SupportApplication.objects.filter(status=Status.APPROVED).count() == 1


def test_rejection_needs_a_reason_and_withdrawal_only_before_the_decision():
    call = open_call()
    application = submitted(call, member())
    with pytest.raises(ValidationError):
        services.application_reject(actor=None, application=application, reason=" ")
    services.application_reject(actor=None, application=application, reason="Fuera del alcance")
    with pytest.raises(ValidationError, match="before the decision"):
        services.application_withdraw(actor=None, application=application)
    other = submitted(call, member(name="B"))
    assert services.application_withdraw(actor=None, application=other).status == Status.WITHDRAWN


def test_a_paid_tranche_posts_the_expense_in_the_calls_fund_and_tranches_stay_within_the_approval():
    call = open_call()
    organization = member()
    application = services.application_approve(
        actor=None, application=submitted(call, organization, amount="5000.00"), amount_usd=Decimal("5000.00")
    )
    tranche = services.tranche_plan(actor=None, application=application, amount=Decimal("3000.00"), planned_on=today())
    with pytest.raises(ValidationError, match=r"2000\.00 USD"):
        services.tranche_plan(actor=None, application=application, amount=Decimal("2500.00"), planned_on=today())
    tranche = services.tranche_pay(actor=None, tranche=tranche, paid_on=today())
    lines = {
        line.account.code: line
        for line in JournalLine.objects.filter(entry=tranche.journal_entry).select_related("account")
    }
    assert lines[chart.SUPPORT_EXPENSE].amount == Decimal("3000.00")
    assert lines[chart.BANK].amount == Decimal("-3000.00")
    assert {line.fund_id for line in lines.values()} == {call.fund_id}
    assert {line.organization_id for line in lines.values()} == {organization.pk}
    with pytest.raises(ValidationError, match="already been paid"):
        services.tranche_pay(actor=None, tranche=tranche, paid_on=today())
    assert Disbursement.objects.get().history.count() == 2


def test_the_final_report_goes_back_for_changes_and_is_then_accepted():
    application = services.application_approve(
        actor=None, application=submitted(open_call(), member()), amount_usd=Decimal("1000.00")
    )
    report = services.report_submit(actor=None, application=application, text="Informe")
    with pytest.raises(ValidationError):
        services.report_review(actor=None, report=report, accept=False, comment="")
    services.report_review(actor=None, report=report, accept=False, comment="Falta el anexo")
    report = services.report_submit(actor=None, application=application, text="Informe con anexo")
    assert services.report_review(actor=None, report=report, accept=True).status == FinalReport.Status.ACCEPTED


def test_a_call_opens_only_with_criteria_and_is_decided_only_when_nothing_waits():
    call = open_call()
    submitted(call, member())
    services.call_advance(actor=None, call=call, to_status=FundingCall.Status.CLOSED)
    with pytest.raises(ValidationError, match="Decide every"):
        services.call_advance(actor=None, call=call, to_status=FundingCall.Status.DECIDED)
    assert Organization.objects.count() == 1


def test_the_decision_is_mailed_after_commit_to_the_organizations_editors(
    django_capture_on_commit_callbacks, mailoutbox
):
    from clac.roles import PortalRole
    from tests.factories import PortalAccessFactory

    call = open_call()
    organization = member()
    PortalAccessFactory(user=UserFactory(email="editora@coop.example", language="en"), organization=organization,
                        role=PortalRole.EDITOR)  # fmt: skip
    PortalAccessFactory(user=UserFactory(email="lectora@coop.example", language="en"), organization=organization,
                        role=PortalRole.VIEWER)  # fmt: skip
    application = submitted(call, organization)
    with django_capture_on_commit_callbacks(execute=True):
        services.application_approve(actor=None, application=application, amount_usd=Decimal("1000.00"))
    assert [message.to for message in mailoutbox] == [["editora@coop.example"]]
    assert "was approved" in mailoutbox[0].subject
    assert "1000.00 USD" in mailoutbox[0].body
