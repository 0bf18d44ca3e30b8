"""Support funds to members: calls, applications, scores, decisions, tranches and final reports.

The rule that matters most: a call's approved total never exceeds its budget. Every approval locks
the call row (select_for_update) before it sums what is already approved, so two staff members
approving at the same moment are serialized and the second one sees the first one's amount
(docs/decisions, ADR support-budget-cap). Paying a tranche posts the expense through
finance.services.ledger.journal_entry_post: debit 5700 support funds expense, credit 1100 bank,
in the call's fund, with the organization on both lines."""

import datetime
import logging
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clac.models import User
from finance import chart
from finance.models import (
    ATTACHMENT_EXTENSIONS,
    ATTACHMENT_MAX_BYTES,
    ApplicationAttachment,
    ApplicationBudgetLine,
    Disbursement,
    FinalReport,
    Fund,
    FundingCall,
    JournalEntry,
    Score,
    ScoringCriterion,
    SupportApplication,
)
from finance.money import CENT, USD, to_usd
from finance.selectors.support import approved_total, ineligibility_reasons, tranche_remaining
from finance.services.ledger import LineInput, journal_entry_post
from members.models import Organization, PortalAccess

logger = logging.getLogger(__name__)
Status = SupportApplication.Status
Errors = dict[str, list[str]]


def _history_user(instance: models.Model, actor: User | None) -> None:
    if actor is not None and getattr(actor, "pk", None) is not None:
        instance._history_user = actor  # type: ignore[attr-defined]


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _raise(errors: Errors) -> None:
    if errors:
        raise ValidationError(errors)


def _money(value: Decimal | None, field: str, errors: Errors, *, required: bool = True) -> None:
    if value is None:
        if required:
            _add(errors, field, _("Enter an amount."))
    elif value <= 0:
        _add(errors, field, _("The amount must be greater than zero."))
    elif value != value.quantize(CENT):
        _add(errors, field, _("Use at most two decimals."))


# --- Calls --------------------------------------------------------------------------------------


def _check_criteria(criteria: Sequence[tuple[str, Decimal, int]], errors: Errors) -> None:
    if any(
        not name.strip() or weight is None or weight <= 0 or not maximum or maximum <= 0
        for name, weight, maximum in criteria
    ):
        _add(errors, "criteria", _("Each criterion needs a name, a weight above zero and a maximum score above zero."))


@transaction.atomic
def call_create(
    *,
    actor: User | None,
    title: str,
    fund: Fund,
    budget: Decimal,
    opens_on: datetime.date,
    closes_on: datetime.date,
    description: str = "",
    eligible_kinds: Sequence[str] = (),
    eligible_countries: Sequence[str] = (),
    eligible_product_networks: Sequence[str] = (),
    eligible_membership_statuses: Sequence[str] = (),
    criteria: Sequence[tuple[str, Decimal, int]] = (),
) -> FundingCall:
    """A draft call with its scoring criteria (name, weight, maximum score)."""
    errors: Errors = {}
    if not title.strip():
        _add(errors, "title", _("Give the call a title."))
    _money(budget, "budget", errors)
    if opens_on and closes_on and closes_on < opens_on:
        _add(errors, "closes_on", _("The call must close on or after the day it opens."))
    if not fund.active:
        _add(errors, "fund", _("This fund is closed."))
    _check_criteria(criteria, errors)
    _raise(errors)
    call = FundingCall(
        title=title.strip(),
        description=description.strip(),
        fund=fund,
        budget=budget,
        opens_on=opens_on,
        closes_on=closes_on,
        eligible_kinds=list(eligible_kinds),
        eligible_countries=list(eligible_countries),
        eligible_product_networks=list(eligible_product_networks),
        eligible_membership_statuses=list(eligible_membership_statuses),
    )
    _history_user(call, actor)
    call.save()
    ScoringCriterion.objects.bulk_create(
        ScoringCriterion(call=call, name=name.strip(), weight=weight, max_score=maximum, position=index)
        for index, (name, weight, maximum) in enumerate(criteria)
    )
    return call


# What an open call may still change: its texts, a later close date and its budget (never below
# what is already approved). Eligibility, fund, opening date and criteria are fixed once
# organizations can see the call: changing them would move the ground under their applications.
CALL_OPEN_EDITABLE = frozenset({"title", "description", "budget", "closes_on"})
CALL_EDITABLE_STATUSES = frozenset({FundingCall.Status.DRAFT, FundingCall.Status.OPEN})


def _criteria_of(call: FundingCall) -> list[tuple[str, Decimal, int]]:
    return [(c.name, c.weight, c.max_score) for c in call.criteria.all()]


@transaction.atomic
def call_update(
    *,
    actor: User | None,
    call: FundingCall,
    title: str | None = None,
    description: str | None = None,
    fund: Fund | None = None,
    budget: Decimal | None = None,
    opens_on: datetime.date | None = None,
    closes_on: datetime.date | None = None,
    eligible_kinds: Sequence[str] | None = None,
    eligible_countries: Sequence[str] | None = None,
    eligible_product_networks: Sequence[str] | None = None,
    eligible_membership_statuses: Sequence[str] | None = None,
    criteria: Sequence[tuple[str, Decimal, int]] | None = None,
    today: datetime.date | None = None,
) -> FundingCall:
    """Change a call; a field left None stays as it is. A draft changes everything call_create
    takes; an open call only its texts, a later close date (not before today) and its budget
    (not below the approved total); a closed or decided call nothing. The call row is locked
    first, the same lock application_approve takes, so a budget cut and an approval are
    serialized and the floor is the approved total as committed. All or nothing."""
    today = today or timezone.localdate()
    locked = FundingCall.objects.select_for_update().get(pk=call.pk)
    if locked.status not in CALL_EDITABLE_STATUSES:
        raise ValidationError(_("A closed or decided call can no longer be edited."))
    given: dict[str, Any] = {
        name: value
        for name, value in (
            ("title", title),
            ("description", description),
            ("fund", fund),
            ("budget", budget),
            ("opens_on", opens_on),
            ("closes_on", closes_on),
            ("eligible_kinds", None if eligible_kinds is None else list(eligible_kinds)),
            ("eligible_countries", None if eligible_countries is None else list(eligible_countries)),
            (
                "eligible_product_networks",
                None if eligible_product_networks is None else list(eligible_product_networks),
            ),
            (
                "eligible_membership_statuses",
                None if eligible_membership_statuses is None else list(eligible_membership_statuses),
            ),
        )
        if value is not None
    }
    if isinstance(given.get("title"), str):
        given["title"] = given["title"].strip()
    if isinstance(given.get("description"), str):
        given["description"] = given["description"].strip()
    changed = {
        name: value
        for name, value in given.items()
        if (locked.fund_id != value.pk if name == "fund" else getattr(locked, name) != value)
    }
    new_criteria = None
    if criteria is not None:
        new_criteria = [(name.strip(), weight, maximum) for name, weight, maximum in criteria]
        if new_criteria == _criteria_of(locked):
            new_criteria = None

    errors: Errors = {}
    if locked.status == FundingCall.Status.OPEN:
        for name in sorted(set(changed) - CALL_OPEN_EDITABLE):
            _add(errors, name, _("This can be changed only while the call is a draft."))
        if new_criteria is not None:
            _add(errors, "criteria", _("This can be changed only while the call is a draft."))
        if "closes_on" in changed:
            if changed["closes_on"] < locked.closes_on:
                _add(errors, "closes_on", _("An open call's close date can only move later."))
            elif changed["closes_on"] < today:
                _add(errors, "closes_on", _("The close date cannot be before today."))
    if "title" in changed and not changed["title"]:
        _add(errors, "title", _("Give the call a title."))
    if "budget" in changed:
        _money(changed["budget"], "budget", errors)
        if "budget" not in errors:
            approved = approved_total(call=locked)
            if changed["budget"] < approved:
                _add(
                    errors,
                    "budget",
                    _("The budget cannot be less than the %(approved)s USD already approved on this call.")
                    % {"approved": approved},
                )
    new_opens = changed.get("opens_on", locked.opens_on)
    new_closes = changed.get("closes_on", locked.closes_on)
    if ("opens_on" in changed or "closes_on" in changed) and new_closes < new_opens:
        _add(errors, "closes_on", _("The call must close on or after the day it opens."))
    if "fund" in changed and not changed["fund"].active:
        _add(errors, "fund", _("This fund is closed."))
    _check_criteria(new_criteria or (), errors)
    _raise(errors)

    for name, value in changed.items():
        setattr(locked, name, value)
    if new_criteria is not None:
        # Only a draft gets here: nobody has applied or scored yet, so the rows are replaced.
        locked.criteria.all().delete()
        ScoringCriterion.objects.bulk_create(
            ScoringCriterion(call=locked, name=name, weight=weight, max_score=maximum, position=index)
            for index, (name, weight, maximum) in enumerate(new_criteria)
        )
    _history_user(locked, actor)
    locked.save(update_fields=[*changed, "updated_at"])
    return locked


CALL_TRANSITIONS: dict[str, str] = {
    FundingCall.Status.DRAFT: FundingCall.Status.OPEN,
    FundingCall.Status.OPEN: FundingCall.Status.CLOSED,
    FundingCall.Status.CLOSED: FundingCall.Status.DECIDED,
}


@transaction.atomic
def call_advance(*, actor: User | None, call: FundingCall, to_status: str) -> FundingCall:
    """draft → open → closed → decided. A call opens only with criteria; it is decided only
    when no application waits for a decision."""
    locked = FundingCall.objects.select_for_update().get(pk=call.pk)
    if CALL_TRANSITIONS.get(locked.status) != to_status:
        raise ValidationError({"status": _("This call cannot move to that status now.")})
    if to_status == FundingCall.Status.OPEN and not locked.criteria.exists():
        raise ValidationError({"status": _("Add scoring criteria before opening the call.")})
    if (
        to_status == FundingCall.Status.DECIDED
        and locked.applications.filter(status__in=[Status.SUBMITTED, Status.UNDER_REVIEW]).exists()
    ):
        raise ValidationError({"status": _("Decide every submitted application first.")})
    locked.status = to_status
    _history_user(locked, actor)
    locked.save(update_fields=["status", "updated_at"])
    return locked


# --- Applications (the organization, in the portal) ---------------------------------------------


def _validate_request(
    *,
    currency: str,
    requested_amount: Decimal | None,
    plan: str,
    budget_lines: Sequence[tuple[str, Decimal]],
    errors: Errors,
) -> None:
    _money(requested_amount, "requested_amount", errors)
    if not plan.strip():
        _add(errors, "plan", _("Describe what the support will do."))
    if not budget_lines:
        _add(errors, "budget_lines", _("Add at least one budget line."))
    for description, amount in budget_lines:
        if not description.strip() or amount is None or amount <= 0:
            _add(errors, "budget_lines", _("Each budget line needs a description and an amount above zero."))
            break
    total = sum((amount or Decimal(0) for _description, amount in budget_lines), Decimal(0))
    if budget_lines and requested_amount is not None and total != requested_amount:
        _add(
            errors,
            "budget_lines",
            _("The budget lines add up to %(total)s but the requested amount is %(requested)s.")
            % {"total": total, "requested": requested_amount},
        )


def _check_call_accepts(*, call: FundingCall, organization: Organization, today: datetime.date, errors: Errors) -> None:
    if call.status != FundingCall.Status.OPEN or today < call.opens_on:
        _add(errors, "__all__", _("This call is not open for applications."))
    elif today > call.closes_on:
        _add(
            errors,
            "__all__",
            _("This call closed on %(date)s: applications are no longer accepted.")
            % {"date": call.closes_on.isoformat()},
        )
    if ineligibility_reasons(call=call, organization=organization):
        _add(errors, "__all__", _("Your organization is not eligible for this call."))


@transaction.atomic
def application_save(
    *,
    actor: User | None,
    call: FundingCall,
    organization: Organization,
    currency: str,
    requested_amount: Decimal,
    plan: str,
    budget_lines: Sequence[tuple[str, Decimal]],
    application: SupportApplication | None = None,
    today: datetime.date | None = None,
) -> SupportApplication:
    """Create or change the organization's draft; budget lines are replaced as a whole."""
    today = today or timezone.localdate()
    errors: Errors = {}
    if application is not None:
        application = SupportApplication.objects.select_for_update().get(pk=application.pk)
        if application.status != Status.DRAFT:
            raise ValidationError(_("Only a draft can be changed."))
    elif SupportApplication.objects.filter(call=call, organization=organization).exists():
        raise ValidationError(_("Your organization already has an application to this call."))
    _check_call_accepts(call=call, organization=organization, today=today, errors=errors)
    _validate_request(
        currency=currency, requested_amount=requested_amount, plan=plan, budget_lines=budget_lines, errors=errors
    )
    requested_usd = Decimal(0)
    if not errors:
        try:
            requested_usd = to_usd(amount=requested_amount, currency=currency, on=today)
        except ValidationError as error:
            _add(errors, "currency", error.messages[0])
    _raise(errors)
    if application is None:
        application = SupportApplication(call=call, organization=organization, created_by=actor)
    application.currency = currency
    application.requested_amount = requested_amount
    application.requested_usd = requested_usd
    application.plan = plan.strip()
    _history_user(application, actor)
    application.save()
    application.budget_lines.all().delete()
    ApplicationBudgetLine.objects.bulk_create(
        ApplicationBudgetLine(application=application, description=description.strip(), amount=amount)
        for description, amount in budget_lines
    )
    return application


def _check_file(upload: UploadedFile, field: str, errors: Errors) -> None:
    extension = (upload.name or "").rsplit(".", 1)[-1].lower() if "." in (upload.name or "") else ""
    if extension not in ATTACHMENT_EXTENSIONS:
        _add(
            errors,
            field,
            _("Attach a PDF, office document or picture (%(types)s).") % {"types": ", ".join(ATTACHMENT_EXTENSIONS)},
        )
    if (upload.size or 0) > ATTACHMENT_MAX_BYTES:
        _add(errors, field, _("The file is larger than 10 MB."))


@transaction.atomic
def application_attach(
    *, actor: User | None, application: SupportApplication, upload: UploadedFile
) -> ApplicationAttachment:
    errors: Errors = {}
    if application.status != Status.DRAFT:
        _add(errors, "file", _("Attachments can be added only to a draft."))
    _check_file(upload, "file", errors)
    _raise(errors)
    return ApplicationAttachment.objects.create(application=application, file=upload, name=(upload.name or "")[:200])


@transaction.atomic
def application_submit(
    *, actor: User | None, application: SupportApplication, today: datetime.date | None = None
) -> SupportApplication:
    """draft → submitted, on or before the close date; the requested amount is converted to
    USD at the submission date (the value the decision and the budget cap use)."""
    today = today or timezone.localdate()
    locked = (
        SupportApplication.objects.select_for_update().select_related("call", "organization").get(pk=application.pk)
    )
    errors: Errors = {}
    if locked.status != Status.DRAFT:
        raise ValidationError(_("This application has already been submitted."))
    _check_call_accepts(call=locked.call, organization=locked.organization, today=today, errors=errors)
    lines = list(locked.budget_lines.values_list("description", "amount"))
    _validate_request(
        currency=locked.currency,
        requested_amount=locked.requested_amount,
        plan=locked.plan,
        budget_lines=lines,
        errors=errors,
    )
    if not errors:
        try:
            locked.requested_usd = to_usd(amount=locked.requested_amount, currency=locked.currency, on=today)
        except ValidationError as error:
            _add(errors, "currency", error.messages[0])
    _raise(errors)
    locked.status = Status.SUBMITTED
    locked.submitted_at = timezone.now()
    _history_user(locked, actor)
    locked.save(update_fields=["status", "submitted_at", "requested_usd", "updated_at"])
    return locked


@transaction.atomic
def application_withdraw(*, actor: User | None, application: SupportApplication) -> SupportApplication:
    locked = SupportApplication.objects.select_for_update().get(pk=application.pk)
    if locked.status not in (Status.DRAFT, Status.SUBMITTED, Status.UNDER_REVIEW):
        raise ValidationError(_("An application can be withdrawn only before the decision."))
    locked.status = Status.WITHDRAWN
    _history_user(locked, actor)
    locked.save(update_fields=["status", "updated_at"])
    return locked


def _decision_mail(application_id: int) -> None:
    """E-mail the decision to the organization's portal administrators and editors, each in
    their own language. Runs after commit; a mail failure is logged, never undoes the decision."""
    application = SupportApplication.objects.select_related("call", "organization").get(pk=application_id)
    users = (
        PortalAccess.objects.filter(organization=application.organization, role__in=["admin", "editor"])
        .exclude(user__email="")
        .values_list("user__email", "user__language")
    )
    for email, language in users:
        with translation.override(language or settings.LANGUAGE_CODE):
            params = {"call": application.call.title, "amount": application.approved_usd}
            if application.status == Status.APPROVED:
                subject = _("Your application to %(call)s was approved") % params
                body = (
                    _("CLAC approved %(amount)s USD for your application to %(call)s. See it in the portal.") % params
                )
            else:
                subject = _("Your application to %(call)s was not approved") % params
                body = _("CLAC did not approve your application to %(call)s. The reason is in the portal.") % params
        try:
            send_mail(subject, body, None, [email])
        except Exception:
            logger.exception("support decision mail to %s failed", email)


# --- Review and decision (staff) ----------------------------------------------------------------


@transaction.atomic
def scores_record(*, reviewer: User, application: SupportApplication, scores: dict[int, int]) -> SupportApplication:
    """The reviewer's scores (criterion id → 0..max) on a submitted or under-review application;
    the first score moves it under review. All or nothing."""
    locked = SupportApplication.objects.select_for_update().get(pk=application.pk)
    errors: Errors = {}
    if locked.status not in (Status.SUBMITTED, Status.UNDER_REVIEW):
        raise ValidationError(_("Only submitted applications are scored."))
    criteria = {criterion.pk: criterion for criterion in ScoringCriterion.objects.filter(call_id=locked.call_id)}
    for criterion_id, value in scores.items():
        criterion = criteria.get(criterion_id)
        if criterion is None:
            _add(errors, "__all__", _("Unknown criterion."))
        elif value is None or not 0 <= value <= criterion.max_score:
            _add(
                errors,
                f"criterion_{criterion_id}",
                _("Score %(name)s from 0 to %(max)s.") % {"name": criterion.name, "max": criterion.max_score},
            )
    _raise(errors)
    for criterion_id, value in scores.items():
        Score.objects.update_or_create(
            application=locked, criterion_id=criterion_id, reviewer=reviewer, defaults={"score": value}
        )
    if locked.status == Status.SUBMITTED:
        locked.status = Status.UNDER_REVIEW
        _history_user(locked, reviewer)
        locked.save(update_fields=["status", "updated_at"])
    return locked


def _decidable(application: SupportApplication) -> None:
    if application.status not in (Status.SUBMITTED, Status.UNDER_REVIEW):
        raise ValidationError(_("This application is not waiting for a decision."))


@transaction.atomic
def application_approve(
    *, actor: User | None, application: SupportApplication, amount_usd: Decimal, notify: bool = True
) -> SupportApplication:
    """Approve with an amount (USD) no higher than requested and within what remains of the
    call's budget. The call row is locked first, so concurrent approvals are serialized."""
    call = FundingCall.objects.select_for_update().get(pk=application.call_id)
    locked = SupportApplication.objects.select_for_update().get(pk=application.pk)
    _decidable(locked)
    errors: Errors = {}
    _money(amount_usd, "amount", errors)
    if not errors:
        if amount_usd > locked.requested_usd:
            _add(
                errors,
                "amount",
                _("The approved amount cannot exceed the requested %(amount)s USD.") % {"amount": locked.requested_usd},
            )
        remaining = call.budget - approved_total(call=call)
        if amount_usd > remaining:
            _add(
                errors,
                "amount",
                _("Only %(remaining)s USD remain of the call's budget of %(budget)s USD.")
                % {"remaining": remaining, "budget": call.budget},
            )
    _raise(errors)
    locked.status = Status.APPROVED
    locked.approved_usd = amount_usd
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    _history_user(locked, actor)
    locked.save(update_fields=["status", "approved_usd", "decided_at", "decided_by", "updated_at"])
    if notify:  # the demo seeder decides without mailing anyone
        transaction.on_commit(lambda: _decision_mail(locked.pk))
    return locked


@transaction.atomic
def application_reject(
    *, actor: User | None, application: SupportApplication, reason: str, notify: bool = True
) -> SupportApplication:
    locked = SupportApplication.objects.select_for_update().get(pk=application.pk)
    _decidable(locked)
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the application is rejected; the organization will read it.")})
    locked.status = Status.REJECTED
    locked.decision_reason = reason.strip()
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    _history_user(locked, actor)
    locked.save(update_fields=["status", "decision_reason", "decided_at", "decided_by", "updated_at"])
    if notify:  # the demo seeder decides without mailing anyone
        transaction.on_commit(lambda: _decision_mail(locked.pk))
    return locked


# --- Disbursements --------------------------------------------------------------------------------


@transaction.atomic
def tranche_plan(
    *, actor: User | None, application: SupportApplication, amount: Decimal, planned_on: datetime.date
) -> Disbursement:
    """A tranche of the approved amount; the tranches never add up to more than approved."""
    locked = SupportApplication.objects.select_for_update().get(pk=application.pk)
    errors: Errors = {}
    if locked.status != Status.APPROVED:
        raise ValidationError(_("Only approved applications are disbursed."))
    _money(amount, "amount", errors)
    if not errors and amount > tranche_remaining(application=locked):
        _add(
            errors,
            "amount",
            _("Only %(remaining)s USD of the approved amount remain to disburse.")
            % {"remaining": tranche_remaining(application=locked)},
        )
    if planned_on is None:
        _add(errors, "planned_on", _("Enter the planned date."))
    _raise(errors)
    tranche = Disbursement(application=locked, amount=amount, planned_on=planned_on)
    _history_user(tranche, actor)
    tranche.save()
    return tranche


@transaction.atomic
def tranche_pay(*, actor: User | None, tranche: Disbursement, paid_on: datetime.date) -> Disbursement:
    """Mark paid and post it: debit 5700 support funds expense, credit 1100 bank, in the call's
    fund, with the organization on both lines."""
    locked = (
        Disbursement.objects.select_for_update()
        .select_related("application__call__fund", "application__organization")
        .get(pk=tranche.pk)
    )
    if locked.paid_on is not None:
        raise ValidationError(_("This tranche has already been paid."))
    if paid_on is None or paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("Enter a payment date that is not in the future.")})
    application = locked.application
    fund = application.call.fund
    organization = application.organization
    entry = journal_entry_post(
        date=paid_on,
        description=_("Support tranche: %(organization)s — %(call)s")
        % {"organization": organization.name, "call": application.call.title},
        currency=USD,
        lines=[
            LineInput(
                account=chart.account(chart.SUPPORT_EXPENSE), fund=fund, amount=locked.amount, organization=organization
            ),
            LineInput(account=chart.account(chart.BANK), fund=fund, amount=-locked.amount, organization=organization),
        ],
        actor=actor,
        source=JournalEntry.Source.SUPPORT,
        source_ref=f"finance.tranche:{locked.pk}",
    )
    locked.paid_on = paid_on
    locked.journal_entry = entry
    _history_user(locked, actor)
    locked.save(update_fields=["paid_on", "journal_entry", "updated_at"])
    return locked


# --- Final report ---------------------------------------------------------------------------------


@transaction.atomic
def report_submit(
    *, actor: User | None, application: SupportApplication, text: str, attachment: UploadedFile | None = None
) -> FinalReport:
    """The organization's final report on an approved application; sent again after staff ask
    for changes. An accepted report is final."""
    locked = SupportApplication.objects.select_for_update().get(pk=application.pk)
    errors: Errors = {}
    if locked.status != Status.APPROVED:
        raise ValidationError(_("A final report is due only on approved applications."))
    report = FinalReport.objects.filter(application=locked).first()
    if report is not None and report.status != FinalReport.Status.CHANGES_REQUESTED:
        raise ValidationError(_("The final report has already been sent."))
    if not text.strip():
        _add(errors, "text", _("Write the report."))
    if attachment is not None:
        _check_file(attachment, "attachment", errors)
    _raise(errors)
    report = report or FinalReport(application=locked)
    report.text = text.strip()
    if attachment is not None:
        report.attachment = attachment
    report.status = FinalReport.Status.SUBMITTED
    report.submitted_on = timezone.localdate()
    _history_user(report, actor)
    report.save()
    return report


@transaction.atomic
def report_review(*, actor: User | None, report: FinalReport, accept: bool, comment: str = "") -> FinalReport:
    locked = FinalReport.objects.select_for_update().get(pk=report.pk)
    if locked.status != FinalReport.Status.SUBMITTED:
        raise ValidationError(_("This report is not waiting for review."))
    if not accept and not comment.strip():
        raise ValidationError({"comment": _("Say what should change in the report.")})
    locked.status = FinalReport.Status.ACCEPTED if accept else FinalReport.Status.CHANGES_REQUESTED
    locked.staff_comment = comment.strip()
    _history_user(locked, actor)
    locked.save(update_fields=["status", "staff_comment", "updated_at"])
    return locked


__all__: list[Any] = [
    "application_approve",
    "application_attach",
    "application_reject",
    "application_save",
    "application_submit",
    "application_withdraw",
    "call_advance",
    "call_create",
    "call_update",
    "report_review",
    "report_submit",
    "scores_record",
    "tranche_pay",
    "tranche_plan",
]
