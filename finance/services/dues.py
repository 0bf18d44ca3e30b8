"""Membership dues: policies and their rules, the yearly invoices (one per active member,
issued by one tracked job, idempotent), payments in any currency allocated to invoices,
member credit, waivers and write-offs, and the review flag for arrears over a year.

Postings (finance.chart codes, operating fund, the organization on every line):
- invoice: debit 1200 dues receivable / credit 4100 membership dues;
- payment: debit 1100 bank / credit 1200 (allocated) and credit 2200 member credit (the rest);
- credit applied later: debit 2200 / credit 1200;
- waiver or write-off: debit 5800 / credit 1200, with the reason.

Invoices are in USD. A payment keeps its amount and currency as received and its USD value at
the payment date (finance.money); allocation is in USD, and the payment's entry is posted in
USD (the memo names the amount received) so the receivable of each invoice nets to exactly
zero in USD (docs/decisions/0000-dues-allocation-and-currency.md)."""

import datetime
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from clac.models import User
from finance import chart
from finance.models import DuesAdjustment, DuesAllocation, DuesInvoice, DuesPayment, DuesPolicy, DuesRule, JournalEntry
from finance.money import CENT, USD, quantize, usd_per_unit
from finance.selectors.dues import organization_credit
from finance.services.ledger import LineInput, journal_entry_post
from members.models import CURRENCY_VALIDATOR, Membership, Organization, YearlyReport
from members.services.membership import membership_flag_for_review

__all__ = [
    "ARREARS_DAYS",
    "RULE_FIELDS",
    "DuesBasis",
    "dues_amount_for",
    "dues_arrears_flag",
    "dues_bases",
    "dues_credit_apply",
    "dues_invoice_adjust",
    "dues_invoice_issue",
    "dues_invoices_generate",
    "dues_payment_record",
    "dues_policy_create",
    "dues_policy_update",
    "dues_rule_delete",
    "dues_rule_save",
    "organization_credit",
]

ARREARS_DAYS = 365
RULE_FIELDS = (
    "position",
    "kind",
    "dues_category",
    "basis",
    "band_from",
    "band_to",
    "amount",
    "per_unit",
    "minimum",
    "maximum",
)
ZERO = Decimal(0)


def _set_actor(instance, actor: User | None) -> None:
    instance._history_user = actor


# --- Policies and rules ---------------------------------------------------------------------


def _policy_locked_for_rules(policy: DuesPolicy) -> None:
    if DuesInvoice.objects.filter(year=policy.year).exists():
        raise ValidationError(
            _("The %(year)s dues have been invoiced: the policy can no longer change.") % {"year": policy.year},
            code="invoiced",
        )


@transaction.atomic
def dues_policy_create(*, year: int, due_date: datetime.date, notes: str = "", actor: User | None) -> DuesPolicy:
    errors: dict[str, list[str]] = {}
    if DuesPolicy.objects.filter(year=year).exists():
        errors["year"] = [_("There is already a dues policy for %(year)s.") % {"year": year}]
    if due_date.year < year - 1:
        errors["due_date"] = [_("The due date must fall in or just before the policy's year.")]
    if errors:
        raise ValidationError(errors)
    policy = DuesPolicy(year=year, due_date=due_date, notes=notes.strip())
    _set_actor(policy, actor)
    policy.save()
    return policy


@transaction.atomic
def dues_policy_update(*, policy: DuesPolicy, due_date: datetime.date, notes: str, actor: User | None) -> DuesPolicy:
    policy = DuesPolicy.objects.select_for_update().get(pk=policy.pk)
    _policy_locked_for_rules(policy)
    policy.due_date = due_date
    policy.notes = notes.strip()
    _set_actor(policy, actor)
    policy.save(update_fields=["due_date", "notes", "updated_at"])
    return policy


def _validate_rule(values: dict) -> None:
    errors: dict[str, list[str]] = {}
    basis = values.get("basis") or DuesRule.Basis.NONE
    band_from, band_to = values.get("band_from"), values.get("band_to")
    if basis == DuesRule.Basis.NONE and (band_from is not None or band_to is not None):
        errors["basis"] = [_("Choose what the size band measures (members or certified volume).")]
    if basis == DuesRule.Basis.NONE and (values.get("per_unit") or ZERO) > 0:
        errors["per_unit"] = [_("An amount per unit needs a size basis.")]
    if band_from is not None and band_to is not None and band_to < band_from:
        errors["band_to"] = [_("The band must end at or above where it starts.")]
    maximum = values.get("maximum")
    if maximum is not None and maximum < (values.get("minimum") or ZERO):
        errors["maximum"] = [_("The maximum cannot be below the minimum.")]
    for name in ("amount", "per_unit", "minimum", "band_from", "band_to", "maximum"):
        value = values.get(name)
        if value is not None and value < 0:
            errors.setdefault(name, []).append(_("Enter an amount of zero or more."))
    if (
        (values.get("amount") or ZERO) == 0
        and (values.get("per_unit") or ZERO) == 0
        and (values.get("minimum") or ZERO) == 0
    ):
        errors["amount"] = [_("A rule needs an amount, an amount per unit or a minimum.")]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def dues_rule_save(*, policy: DuesPolicy, rule: DuesRule | None = None, actor: User | None, **values) -> DuesRule:
    """Add a rule to a policy, or change one; refused once the year has invoices."""
    policy = DuesPolicy.objects.select_for_update().get(pk=policy.pk)
    _policy_locked_for_rules(policy)
    unknown = set(values) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown rule fields: {sorted(unknown)}")
    _validate_rule(values)
    if rule is None:
        rule = DuesRule(policy=policy)
    elif rule.policy_id != policy.pk:
        raise ValidationError(_("This rule belongs to another policy."))
    for name, value in values.items():
        setattr(rule, name, value)
    _set_actor(rule, actor)
    rule.save()
    return rule


@transaction.atomic
def dues_rule_delete(*, rule: DuesRule, actor: User | None) -> None:
    policy = DuesPolicy.objects.select_for_update().get(pk=rule.policy_id)
    _policy_locked_for_rules(policy)
    _set_actor(rule, actor)
    rule.delete()


# --- Amounts ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DuesBasis:
    """What a rule reads about one organization."""

    kind: str
    dues_category: str
    members: int | None
    volume: Decimal | None


def dues_bases(*, year: int, organization_ids: Iterable[int] | None = None) -> dict[int, DuesBasis]:
    """Kind, dues category, members and certified volume (sold on Fairtrade terms) of the latest
    approved yearly report up to `year`, for every active member (or the given ones): two queries."""
    memberships = Membership.objects.filter(status=Membership.Status.ACTIVE)
    if organization_ids is not None:
        memberships = memberships.filter(organization_id__in=list(organization_ids))
    rows = memberships.values_list("organization_id", "organization__kind", "dues_category")
    bases = {org: DuesBasis(kind, category, None, None) for org, kind, category in rows}
    reports = (
        YearlyReport.objects.filter(
            status=YearlyReport.Status.APPROVED, year__lte=year, organization_id__in=list(bases)
        )
        .annotate(volume=Sum("product_lines__volume_sold_fairtrade"))
        .order_by("organization_id", "-year")
        .values_list("organization_id", "members_total", "volume")
    )
    seen: set[int] = set()
    for org, members, volume in reports:
        if org in seen:
            continue
        seen.add(org)
        base = bases[org]
        bases[org] = DuesBasis(base.kind, base.dues_category, members, volume)
    return bases


def _rule_matches(rule: DuesRule, basis: DuesBasis) -> bool:
    if rule.kind and rule.kind != basis.kind:
        return False
    if rule.dues_category and rule.dues_category != basis.dues_category:
        return False
    if rule.basis == DuesRule.Basis.NONE:
        return True
    size = basis.members if rule.basis == DuesRule.Basis.MEMBERS else basis.volume
    if size is None:
        return False
    if rule.band_from is not None and size < rule.band_from:
        return False
    return not (rule.band_to is not None and size > rule.band_to)


def dues_amount_for(*, rules: list[DuesRule], basis: DuesBasis) -> tuple[Decimal, str]:
    """The dues in USD by the first matching rule, and what they were computed from; (0, "")
    when the organization is exempt or no rule matches."""
    if basis.dues_category == Membership.DuesCategory.EXEMPT:
        return ZERO, ""
    for rule in rules:
        if not _rule_matches(rule, basis):
            continue
        size = ZERO
        note = _("rule %(position)s") % {"position": rule.position}
        if rule.basis == DuesRule.Basis.MEMBERS:
            size = Decimal(basis.members or 0)
            note += " · " + _("members: %(count)s") % {"count": basis.members}
        elif rule.basis == DuesRule.Basis.VOLUME:
            size = basis.volume or ZERO
            note += " · " + _("certified volume: %(volume)s") % {"volume": basis.volume}
        amount = quantize(rule.amount + rule.per_unit * size)
        amount = max(amount, rule.minimum)
        if rule.maximum is not None:
            amount = min(amount, rule.maximum)
        return amount, note
    return ZERO, ""


# --- Invoices ---------------------------------------------------------------------------------


def _ref(model_name: str, pk: int) -> str:
    return f"finance.{model_name}:{pk}"


def _lines(*pairs: tuple[str, Decimal], organization: Organization, memo: str = "") -> list[LineInput]:
    fund = chart.fund(chart.OPERATING_FUND)
    return [
        LineInput(account=chart.account(code), fund=fund, amount=amount, memo=memo, organization=organization)
        for code, amount in pairs
    ]


@transaction.atomic
def dues_invoice_issue(
    *,
    policy: DuesPolicy,
    organization: Organization,
    amount: Decimal,
    basis_note: str,
    issued_on: datetime.date,
    actor: User | None,
) -> DuesInvoice | None:
    """Issue the organization's invoice for the policy's year unless it has one (then None):
    a conditional insert guarded by the (organization, year) constraint, numbered in sequence
    under the policy's row lock, posted to the ledger in the same transaction."""
    if amount <= 0:
        raise ValidationError(_("Dues must be above zero to be invoiced."), code="zero")
    policy = DuesPolicy.objects.select_for_update().get(pk=policy.pk)
    if DuesInvoice.objects.filter(organization=organization, year=policy.year).exists():
        return None
    sequence = (DuesInvoice.objects.filter(year=policy.year).aggregate(top=Max("sequence"))["top"] or 0) + 1
    invoice = DuesInvoice(
        organization=organization,
        year=policy.year,
        sequence=sequence,
        number=f"{policy.year}-{sequence:05d}",
        issued_on=issued_on,
        due_on=policy.due_date,
        amount=amount,
        basis_note=basis_note[:200],
    )
    _set_actor(invoice, actor)
    try:
        with transaction.atomic():
            invoice.save()
    except IntegrityError:
        # Another run issued it between the check and the insert: that one stands.
        return None
    journal_entry_post(
        date=issued_on,
        description=_("Membership dues %(year)s, invoice %(number)s") % {"year": policy.year, "number": invoice.number},
        currency=USD,
        lines=_lines((chart.DUES_RECEIVABLE, amount), (chart.DUES_INCOME, -amount), organization=organization),
        actor=actor,
        source=JournalEntry.Source.DUES,
        source_ref=_ref("duesinvoice", invoice.pk),
    )
    return invoice


def dues_invoices_generate(
    *,
    policy: DuesPolicy,
    actor: User | None,
    issued_on: datetime.date | None = None,
    on_total: Callable[[int], None] | None = None,
    on_advance: Callable[[], None] | None = None,
) -> dict[str, int]:
    """Invoice every active member for the policy's year, one transaction per organization (a
    job commits as it goes and can be run again: organizations already invoiced are skipped).
    Credit an organization holds is applied to its new invoice."""
    issued_on = issued_on or timezone.localdate()
    rules = list(policy.rules.order_by("position", "id"))
    bases = dues_bases(year=policy.year)
    already = set(DuesInvoice.objects.filter(year=policy.year).values_list("organization_id", flat=True))
    organizations = Organization.objects.in_bulk(list(bases))
    if on_total:
        on_total(len(bases))
    result = {"issued": 0, "already_invoiced": 0, "exempt_or_unmatched": 0}
    for org_id in sorted(bases):
        if org_id in already:
            result["already_invoiced"] += 1
        else:
            amount, note = dues_amount_for(rules=rules, basis=bases[org_id])
            if amount <= 0:
                result["exempt_or_unmatched"] += 1
            else:
                with transaction.atomic():
                    invoice = dues_invoice_issue(
                        policy=policy,
                        organization=organizations[org_id],
                        amount=amount,
                        basis_note=note,
                        issued_on=issued_on,
                        actor=actor,
                    )
                    if invoice is None:
                        result["already_invoiced"] += 1
                    else:
                        result["issued"] += 1
                        dues_credit_apply(organization=organizations[org_id], on=issued_on, actor=actor)
        if on_advance:
            on_advance()
    return result


# --- Payments, credit, adjustments -------------------------------------------------------------


def _settle_status(invoice: DuesInvoice) -> str:
    if invoice.balance <= 0:
        return DuesInvoice.Status.PAID if invoice.adjusted == 0 else DuesInvoice.Status.CLOSED
    return DuesInvoice.Status.PARTIAL if invoice.paid > 0 else DuesInvoice.Status.OPEN


def _allocate(
    *, invoices: list[DuesInvoice], available: Decimal, payment: DuesPayment | None, actor: User | None
) -> Decimal:
    """Apply up to `available` USD to the (locked) invoices in order; returns what was applied."""
    applied = ZERO
    for invoice in invoices:
        part = min(invoice.balance, available - applied)
        if part <= 0:
            continue
        DuesAllocation.objects.create(invoice=invoice, payment=payment, amount=part)
        invoice.paid += part
        invoice.status = _settle_status(invoice)
        _set_actor(invoice, actor)
        invoice.save(update_fields=["paid", "status", "updated_at"])
        applied += part
        if applied >= available:
            break
    return applied


def _open_invoices_locked(*, organization: Organization, ids: list[int] | None = None) -> list[DuesInvoice]:
    queryset = DuesInvoice.objects.select_for_update().filter(
        organization=organization, status__in=[DuesInvoice.Status.OPEN, DuesInvoice.Status.PARTIAL]
    )
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    # Oldest first: by due date, then number.
    return list(queryset.order_by("due_on", "year", "sequence"))


@transaction.atomic
def dues_payment_record(
    *,
    organization: Organization,
    received_on: datetime.date,
    amount: Decimal,
    currency: str,
    reference: str = "",
    invoice_ids: list[int] | None = None,
    actor: User | None,
) -> DuesPayment:
    """Record money received: converted to USD at the payment date, allocated to the chosen
    open invoices (in the order given by due date) or to the oldest open invoices first; what
    is left is kept as the organization's credit."""
    errors: dict[str, list[str]] = {}
    currency = (currency or "").strip().upper()
    try:
        CURRENCY_VALIDATOR(currency)
    except ValidationError as error:
        errors["currency"] = list(error.messages)
    if amount is None or amount <= 0:
        errors["amount"] = [_("Enter an amount above zero.")]
    elif amount != amount.quantize(CENT):
        errors["amount"] = [_("Enter the amount with at most two decimals.")]
    if received_on > timezone.localdate():
        errors["received_on"] = [_("A payment cannot be received in the future.")]
    rate = None
    if not errors:
        try:
            rate = usd_per_unit(currency=currency, on=received_on)
        except ValidationError as error:
            errors["currency"] = list(error.messages)
    chosen = None
    if invoice_ids:
        chosen = _open_invoices_locked(organization=organization, ids=invoice_ids)
        if len(chosen) != len(set(invoice_ids)):
            errors["invoices"] = [_("Choose open invoices of this organization.")]
    if errors:
        raise ValidationError(errors)
    assert rate is not None
    amount_usd = quantize(amount * rate)
    if amount_usd <= 0:
        raise ValidationError({"amount": [_("The amount is worth less than one cent of a US dollar.")]})
    invoices = chosen if chosen is not None else _open_invoices_locked(organization=organization)
    payment = DuesPayment(
        organization=organization,
        received_on=received_on,
        amount=amount,
        currency=currency,
        usd_rate=rate,
        amount_usd=amount_usd,
        reference=reference.strip()[:100],
        created_by=actor,
    )
    _set_actor(payment, actor)
    payment.save()
    applied = _allocate(invoices=invoices, available=amount_usd, payment=payment, actor=actor)
    payment.credit = amount_usd - applied
    payment.save(update_fields=["credit", "updated_at"])
    memo = _("Received %(amount)s %(currency)s") % {"amount": amount, "currency": currency}
    pairs = [(chart.BANK, amount_usd)]
    if applied:
        pairs.append((chart.DUES_RECEIVABLE, -applied))
    if payment.credit:
        pairs.append((chart.MEMBER_CREDIT, -payment.credit))
    journal_entry_post(
        date=received_on,
        description=_("Dues payment from %(organization)s") % {"organization": organization.name},
        currency=USD,
        lines=_lines(*pairs, organization=organization, memo=memo),
        actor=actor,
        source=JournalEntry.Source.PAYMENT,
        source_ref=_ref("duespayment", payment.pk),
    )
    return payment


@transaction.atomic
def dues_credit_apply(*, organization: Organization, on: datetime.date, actor: User | None) -> Decimal:
    """Apply the organization's credit to its open invoices, oldest first; returns the USD used."""
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    credit = organization_credit(organization=organization)
    if credit <= 0:
        return ZERO
    applied = _allocate(
        invoices=_open_invoices_locked(organization=organization), available=credit, payment=None, actor=actor
    )
    if applied:
        journal_entry_post(
            date=on,
            description=_("Member credit applied to dues of %(organization)s") % {"organization": organization.name},
            currency=USD,
            lines=_lines((chart.MEMBER_CREDIT, applied), (chart.DUES_RECEIVABLE, -applied), organization=organization),
            actor=actor,
            source=JournalEntry.Source.DUES,
            source_ref=_ref("organization", organization.pk),
        )
    return applied


@transaction.atomic
def dues_invoice_adjust(
    *,
    invoice: DuesInvoice,
    kind: str,
    reason: str,
    actor: User | None,
    amount: Decimal | None = None,
    on: datetime.date | None = None,
) -> DuesAdjustment:
    """Waive or write off (part of) an invoice's balance, with the reason; the whole balance
    when no amount is given."""
    invoice = DuesInvoice.objects.select_for_update().select_related("organization").get(pk=invoice.pk)
    errors: dict[str, list[str]] = {}
    if kind not in DuesAdjustment.Kind.values:
        errors["kind"] = [_("Choose a waiver or a write-off.")]
    if not reason.strip():
        errors["reason"] = [_("Say why.")]
    balance = invoice.balance
    if balance <= 0:
        errors["amount"] = [_("This invoice has nothing left to pay.")]
    elif amount is not None and (amount <= 0 or amount > balance or amount != amount.quantize(CENT)):
        errors["amount"] = [
            _("Enter an amount above zero and at most the balance (%(balance)s USD).") % {"balance": balance}
        ]
    if errors:
        raise ValidationError(errors)
    value = balance if amount is None else amount
    adjustment = DuesAdjustment.objects.create(
        invoice=invoice, kind=kind, amount=value, reason=reason.strip(), created_by=actor
    )
    invoice.adjusted += value
    invoice.status = _settle_status(invoice)
    _set_actor(invoice, actor)
    invoice.save(update_fields=["adjusted", "status", "updated_at"])
    label = DuesAdjustment.Kind(kind).label
    journal_entry_post(
        date=on or timezone.localdate(),
        description=_("%(kind)s of dues invoice %(number)s: %(reason)s")
        % {"kind": label, "number": invoice.number, "reason": reason.strip()[:200]},
        currency=USD,
        lines=_lines(
            (chart.DUES_WRITE_OFF_EXPENSE, value), (chart.DUES_RECEIVABLE, -value), organization=invoice.organization
        ),
        actor=actor,
        source=JournalEntry.Source.DUES,
        source_ref=_ref("duesadjustment", adjustment.pk),
    )
    return adjustment


def dues_arrears_flag(*, today: datetime.date | None = None, actor: User | None = None) -> int:
    """Put in the membership review queue every member with dues unpaid more than a year past
    due (members' own service: idempotent, an open review gains the reason once)."""
    today = today or timezone.localdate()
    cutoff = today - datetime.timedelta(days=ARREARS_DAYS)
    organization_ids = (
        DuesInvoice.objects.filter(
            status__in=[DuesInvoice.Status.OPEN, DuesInvoice.Status.PARTIAL],
            due_on__lt=cutoff,
            organization__membership__status__in=[Membership.Status.ACTIVE, Membership.Status.SUSPENDED],
        )
        .values_list("organization_id", flat=True)
        .distinct()
    )
    count = 0
    for organization in Organization.objects.filter(pk__in=list(organization_ids)).order_by("pk"):
        membership_flag_for_review(
            organization=organization, reason=_("Dues in arrears for more than a year."), actor=actor
        )
        count += 1
    return count
