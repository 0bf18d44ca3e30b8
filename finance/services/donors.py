"""Donors, grant agreements, their tranches and reporting deadlines. A restricted agreement
gets its own restricted Fund here; receiving a tranche posts debit bank / credit donor grants
income into the agreement's fund through finance.services.ledger."""

import datetime
import logging
import smtplib
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import Q
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _

from clac.models import User
from clac.roles import StaffRole
from clac.strategic_lines import StrategicLine
from finance import chart
from finance.models import Donor, Fund, GrantAgreement, JournalEntry, ReportingDeadline, Tranche
from finance.money import CENT
from finance.services.ledger import LineInput, journal_entry_post
from members.models import CURRENCY_VALIDATOR

logger = logging.getLogger(__name__)

__all__ = [
    "agreement_create",
    "deadline_create",
    "deadline_remind",
    "deadline_reminders_send",
    "deadline_submit",
    "donor_create",
    "tranche_plan",
    "tranche_receive",
]


def _amount_errors(errors: dict[str, list[str]], field: str, amount: Decimal | None) -> None:
    if amount is None or amount <= 0:
        errors.setdefault(field, []).append(_("Enter an amount greater than zero."))
    elif amount != amount.quantize(CENT):
        errors.setdefault(field, []).append(_("Use at most two decimals."))


def _currency_errors(errors: dict[str, list[str]], field: str, currency: str) -> None:
    try:
        CURRENCY_VALIDATOR(currency)
    except ValidationError as error:
        errors.setdefault(field, []).extend(error.messages)


@transaction.atomic
def donor_create(
    *, name: str, kind: str, country: str = "", contact_email: str = "", notes: str = "", actor: User | None
) -> Donor:
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors.setdefault("name", []).append(_("Name the donor."))
    elif Donor.objects.filter(name__iexact=name.strip()).exists():
        errors.setdefault("name", []).append(_("A donor with this name already exists."))
    if kind not in Donor.Kind.values:
        errors.setdefault("kind", []).append(_("Choose the kind of donor."))
    if errors:
        raise ValidationError(errors)
    return Donor.objects.create(
        name=name.strip(), kind=kind, country=country.upper(), contact_email=contact_email, notes=notes
    )


@transaction.atomic
def agreement_create(
    *,
    donor: Donor,
    title: str,
    currency: str,
    amount: Decimal,
    start_date: datetime.date,
    end_date: datetime.date,
    restricted: bool,
    strategic_lines: list[str],
    restrictions: str = "",
    reference: str = "",
    actor: User | None,
) -> GrantAgreement:
    """A restricted agreement gets a new restricted fund named after it; unrestricted money
    goes to the operating fund."""
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors.setdefault("title", []).append(_("Give the agreement a title."))
    _currency_errors(errors, "currency", currency)
    _amount_errors(errors, "amount", amount)
    if end_date < start_date:
        errors.setdefault("end_date", []).append(_("The agreement ends before it starts."))
    unknown = [code for code in strategic_lines if code not in StrategicLine.values]
    if unknown:
        errors.setdefault("strategic_lines", []).append(_("Choose strategic lines from the list."))
    if restricted and not strategic_lines and not restrictions.strip():
        errors.setdefault("restrictions", []).append(
            _("Say what restricted money may pay for: strategic lines or a description.")
        )
    if errors:
        raise ValidationError(errors)
    if restricted:
        base = slugify(f"{donor.name} {title}")[:34] or "grant"
        code, number = base, 2
        while Fund.objects.filter(code=code).exists():
            code, number = f"{base}-{number}", number + 1
        fund = Fund.objects.create(
            code=code,
            name=f"{donor.name}: {title.strip()}"[:200],
            kind=Fund.Kind.RESTRICTED,
            description=restrictions.strip(),
        )
    else:
        fund = chart.fund(chart.OPERATING_FUND)
    return GrantAgreement.objects.create(
        donor=donor,
        title=title.strip(),
        reference=reference.strip(),
        currency=currency,
        amount=amount,
        start_date=start_date,
        end_date=end_date,
        restricted=restricted,
        strategic_lines=list(dict.fromkeys(strategic_lines)),
        restrictions=restrictions.strip(),
        fund=fund,
    )


@transaction.atomic
def tranche_plan(
    *, agreement: GrantAgreement, expected_date: datetime.date, expected_amount: Decimal, actor: User | None
) -> Tranche:
    errors: dict[str, list[str]] = {}
    _amount_errors(errors, "expected_amount", expected_amount)
    if errors:
        raise ValidationError(errors)
    return Tranche.objects.create(agreement=agreement, expected_date=expected_date, expected_amount=expected_amount)


@transaction.atomic
def tranche_receive(
    *, tranche: Tranche, received_date: datetime.date, amount: Decimal, currency: str, actor: User | None
) -> Tranche:
    """Record the money that arrived and post it: debit bank, credit donor grants income, both
    in the agreement's fund, in the currency received (USD at the date's rate)."""
    locked = (
        Tranche.objects.select_for_update().select_related("agreement__donor", "agreement__fund").get(pk=tranche.pk)
    )
    errors: dict[str, list[str]] = {}
    if locked.is_received:
        errors.setdefault("__all__", []).append(_("This tranche has already been received."))
    _amount_errors(errors, "amount", amount)
    _currency_errors(errors, "currency", currency)
    if errors:
        raise ValidationError(errors)
    agreement = locked.agreement
    fund = agreement.fund
    entry = journal_entry_post(
        date=received_date,
        description=_("Tranche received: %(donor)s, %(agreement)s")
        % {"donor": agreement.donor.name, "agreement": agreement.title},
        currency=currency,
        lines=[
            LineInput(account=chart.account(chart.BANK), fund=fund, amount=amount),
            LineInput(account=chart.account(chart.DONOR_GRANT_INCOME), fund=fund, amount=-amount),
        ],
        actor=actor,
        source=JournalEntry.Source.GRANT,
        source_ref=f"finance.tranche:{locked.pk}",
    )
    locked.received_date = received_date
    locked.received_amount = amount
    locked.received_currency = currency
    locked.entry = entry
    locked.save(update_fields=["received_date", "received_amount", "received_currency", "entry", "updated_at"])
    return locked


@transaction.atomic
def deadline_create(
    *, agreement: GrantAgreement, title: str, due_date: datetime.date, actor: User | None
) -> ReportingDeadline:
    if not title.strip():
        raise ValidationError({"title": [_("Name the report owed.")]})
    return ReportingDeadline.objects.create(agreement=agreement, title=title.strip(), due_date=due_date)


@transaction.atomic
def deadline_submit(*, deadline: ReportingDeadline, submitted_on: datetime.date, actor: User | None) -> None:
    locked = ReportingDeadline.objects.select_for_update().get(pk=deadline.pk)
    if locked.submitted_on is not None:
        raise ValidationError(_("This report is already marked as submitted."))
    locked.submitted_on = submitted_on
    locked.save(update_fields=["submitted_on", "updated_at"])


def _reminder_messages(*, deadline: ReportingDeadline, recipients: list[tuple[str, str]]) -> list[EmailMessage]:
    """One message per recipient, each in the recipient's language."""
    result = []
    for email, language in recipients:
        with translation.override(language or "es"):
            subject = _("Report due %(date)s: %(title)s") % {
                "date": deadline.due_date.isoformat(),
                "title": deadline.title,
            }
            body = _(
                "The report “%(title)s” for %(donor)s (%(agreement)s) is due on %(date)s and is not "
                "marked as submitted yet."
            ) % {
                "title": deadline.title,
                "donor": deadline.agreement.donor.name,
                "agreement": deadline.agreement.title,
                "date": deadline.due_date.isoformat(),
            }
        result.append(EmailMessage(subject=subject, body=body, to=[email]))
    return result


@transaction.atomic
def deadline_remind(*, deadline_id: int, on: datetime.date, recipients: list[tuple[str, str]]) -> bool:
    """Send one deadline's reminder and mark it reminded, in one transaction: the row is locked
    (a run that finds it locked skips it, so two runs never both send), the e-mails go out,
    and only then is it marked. A mail error propagates and rolls the mark back, so the next
    day's run tries again. True when this call sent it."""
    locked = (
        ReportingDeadline.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("agreement__donor")
        .filter(pk=deadline_id, reminded_on__isnull=True, submitted_on__isnull=True)
        .first()
    )
    if locked is None:
        return False
    if recipients:
        mailers.default.send_messages(_reminder_messages(deadline=locked, recipients=recipients))
    locked.reminded_on = on
    locked.save(update_fields=["reminded_on", "updated_at"])
    return True


def deadline_reminders_send(*, today: datetime.date, days: int = 30) -> int:
    """E-mail finance staff (and administrators) once about each report due within `days`
    and not yet submitted; returns how many deadlines were announced. Each deadline is sent and
    marked in its own transaction (deadline_remind): a failing mail server leaves that
    deadline for the next run, is logged, and the other deadlines still go. (A recipient who
    got the message before the server failed may get it again on the next run: a duplicate is
    better than a lost reminder.)"""
    recipients = list(
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(groups__name__in=(StaffRole.FINANCE, StaffRole.ADMIN)) | Q(is_superuser=True))
        .exclude(email="")
        .distinct()
        .order_by("email")
        .values_list("email", "language")
    )
    due = ReportingDeadline.objects.filter(
        submitted_on__isnull=True, reminded_on__isnull=True, due_date__lte=today + datetime.timedelta(days=days)
    ).order_by("due_date", "id")
    sent = 0
    for deadline_id in list(due.values_list("pk", flat=True)):
        try:
            if deadline_remind(deadline_id=deadline_id, on=today, recipients=recipients):
                sent += 1
        except (smtplib.SMTPException, OSError):
            logger.exception("Reminder of reporting deadline %s not sent; the next run tries again.", deadline_id)
    return sent
