"""Writes of the reviews area: reviews and their stage moves and documents, consultation
rounds and their invitations, the organizations' answers (portal), the reminders before a
round closes, and price references. `<entity>_<action>(*, actor, ...)`, keyword-only, typed,
atomic; every error reported at once as a ValidationError dict.

Who may write: the review's managers (networks.selectors.reviews.review_can_change) for
everything staff do; a portal admin or editor of an invited organization for its own answer.

Stage moves (docs/user-guide.md "Reviews"): one stage forward at a time, plus analysis back to
consultation (a second consultation round, as Fairtrade reviews often hold). A price review
reaches "decided" only with a decision recorded (a price reference of kind decision)."""

import datetime
import logging
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from clac.models import User
from clac.roles import PortalRole
from members.models import (
    Affiliation,
    Country,
    ExchangeRate,
    Organization,
    PortalAccess,
    Product,
    Unit,
)
from members.services._common import set_history_user
from networks.models import (
    ConsultationInvitation,
    ConsultationResponse,
    ConsultationRound,
    Network,
    NetworkMembership,
    PriceReference,
    Review,
    ReviewDocument,
    ReviewEvent,
)
from networks.models.reviews import COST_CATEGORIES
from networks.selectors.networks import CURRENT_MEMBERSHIP
from networks.selectors.reviews import review_can_change

__all__ = [
    "STAGE_MOVES",
    "consultation_invite",
    "consultation_reminders_send",
    "consultation_response_save",
    "consultation_round_create",
    "price_reference_record",
    "review_create",
    "review_document_add",
    "review_move",
]

logger = logging.getLogger(__name__)

S = Review.Stage
# Allowed stage moves: forward one stage, and analysis back to consultation for another round.
STAGE_MOVES: dict[str, frozenset[str]] = {
    S.PLANNING: frozenset({S.CONSULTATION}),
    S.CONSULTATION: frozenset({S.ANALYSIS}),
    S.ANALYSIS: frozenset({S.PROPOSAL, S.CONSULTATION}),
    S.PROPOSAL: frozenset({S.DECIDED}),
    S.DECIDED: frozenset({S.PUBLISHED}),
    S.PUBLISHED: frozenset(),
}
# Rounds are planned and people invited before the analysis starts.
ROUND_STAGES = frozenset({S.PLANNING, S.CONSULTATION, S.ANALYSIS})
MAX_OPEN_QUESTIONS = 10
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
DOCUMENT_EXTENSIONS = (".pdf", ".docx", ".xlsx", ".odt", ".ods", ".csv", ".pptx", ".txt")
# A cost per unit above this (in any currency) is a typing error, not a cost.
MAX_COST = Decimal("1000000000")


def _add(errors: dict[str, list[str]], name: str, message: str) -> None:
    errors.setdefault(name, []).append(message)


def _require_change(actor: User | None, review: Review) -> None:
    if actor is None or not review_can_change(actor, review):
        raise PermissionDenied(_("You cannot manage this review."))


# --- Reviews --------------------------------------------------------------------------------


@transaction.atomic
def review_create(
    *,
    actor: User | None,
    product: Product,
    kind: str,
    title: str,
    description: str = "",
    started_on: datetime.date | None = None,
) -> Review:
    """Open a review of a product, led by the product's network, in the planning stage."""
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        _add(errors, "title", _("Give the review a title."))
    elif len(title) > 200:
        _add(errors, "title", _("Keep the title under 200 characters."))
    if kind not in Review.Kind.values:
        _add(errors, "kind", _("Choose a cost study, a price review or a standard review."))
    started_on = started_on or timezone.localdate()
    if started_on > timezone.localdate():
        _add(errors, "started_on", _("The review cannot start in the future."))
    network = Network.objects.filter(kind=Network.Kind.PRODUCT, product_network=product.network).first()
    if network is None:
        _add(errors, "product", _("This product has no product network to lead its review."))
    if errors:
        raise ValidationError(errors)
    assert network is not None
    review = Review(
        product=product,
        network=network,
        kind=kind,
        title=title,
        description=description.strip(),
        stage=S.PLANNING,
        stage_since=started_on,
        created_by=actor,
    )
    _require_change(actor, review)
    set_history_user(review, actor)
    review.save()
    ReviewEvent.objects.create(review=review, from_stage="", to_stage=S.PLANNING, effective_on=started_on, actor=actor)
    return review


@transaction.atomic
def review_move(
    *, actor: User | None, review: Review, to_stage: str, effective_on: datetime.date | None = None, note: str = ""
) -> Review:
    """Move a review to another stage (STAGE_MOVES), dated and attributed, with an event row."""
    _require_change(actor, review)
    locked = Review.objects.select_for_update().get(pk=review.pk)
    errors: dict[str, list[str]] = {}
    effective_on = effective_on or timezone.localdate()
    note = (note or "").strip()
    if to_stage not in STAGE_MOVES.get(locked.stage, frozenset()):
        _add(
            errors,
            "to_stage",
            _("A review in the stage “%(current)s” cannot move to “%(target)s”.")
            % {
                "current": Review.Stage(locked.stage).label,
                "target": Review.Stage(to_stage).label if to_stage in S.values else to_stage,
            },
        )
    if effective_on > timezone.localdate():
        _add(errors, "effective_on", _("The date of a move cannot be in the future."))
    elif effective_on < locked.stage_since:
        _add(errors, "effective_on", _("The date cannot be before the current stage began."))
    if len(note) > 500:
        _add(errors, "note", _("Keep the note under 500 characters."))
    if (
        to_stage == S.DECIDED
        and locked.kind == Review.Kind.PRICE
        and not locked.price_references.filter(kind=PriceReference.Kind.DECISION).exists()
    ):
        _add(
            errors, "to_stage", _("Record the decision (minimum price and premium) before marking the review decided.")
        )
    if errors:
        raise ValidationError(errors)
    from_stage = locked.stage
    locked.stage = to_stage
    locked.stage_since = effective_on
    set_history_user(locked, actor)
    locked.save(update_fields=["stage", "stage_since", "updated_at"])
    ReviewEvent.objects.create(
        review=locked, from_stage=from_stage, to_stage=to_stage, effective_on=effective_on, note=note, actor=actor
    )
    return locked


@transaction.atomic
def review_document_add(
    *, actor: User | None, review: Review, title: str, file: UploadedFile, stage: str = ""
) -> ReviewDocument:
    """File a document under a stage of the review (the current stage by default)."""
    _require_change(actor, review)
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    stage = stage or review.stage
    if not title:
        _add(errors, "title", _("Give the document a title."))
    elif len(title) > 200:
        _add(errors, "title", _("Keep the title under 200 characters."))
    if stage not in S.values:
        _add(errors, "stage", _("Choose one of the review's stages."))
    name = (file.name or "").lower()
    if not name.endswith(DOCUMENT_EXTENSIONS):
        _add(
            errors,
            "file",
            _("Upload a document of one of these kinds: %(kinds)s.") % {"kinds": ", ".join(DOCUMENT_EXTENSIONS)},
        )
    if file.size is not None and file.size > MAX_DOCUMENT_BYTES:
        _add(errors, "file", _("The file is larger than 20 MB."))
    if errors:
        raise ValidationError(errors)
    document = ReviewDocument(review=review, stage=stage, title=title, uploaded_by=actor)
    document.file.save(file.name or "document", file, save=False)
    set_history_user(document, actor)
    document.save()
    return document


# --- Rounds and invitations -------------------------------------------------------------------


def _clean_questions(questions: list[str], errors: dict[str, list[str]]) -> list[str]:
    cleaned = [q.strip() for q in questions if q and q.strip()]
    if len(cleaned) > MAX_OPEN_QUESTIONS:
        _add(errors, "open_questions", _("Ask at most %(n)s open questions.") % {"n": MAX_OPEN_QUESTIONS})
    if any(len(q) > 500 for q in cleaned):
        _add(errors, "open_questions", _("Keep each question under 500 characters."))
    return cleaned


@transaction.atomic
def consultation_round_create(
    *,
    actor: User | None,
    review: Review,
    title: str,
    opens_on: datetime.date,
    closes_on: datetime.date,
    open_questions: list[str] | None = None,
    reminder_days: int = 7,
) -> ConsultationRound:
    """Plan a round of consultation of a review that has not reached its analysis yet."""
    _require_change(actor, review)
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        _add(errors, "title", _("Give the round a title."))
    elif len(title) > 200:
        _add(errors, "title", _("Keep the title under 200 characters."))
    if review.stage not in ROUND_STAGES:
        _add(errors, "review", _("A review past its analysis takes no new consultation round."))
    if opens_on is None:
        _add(errors, "opens_on", _("Give the day the round opens."))
    if closes_on is None:
        _add(errors, "closes_on", _("Give the day the round closes."))
    if opens_on is not None and closes_on is not None and closes_on < opens_on:
        _add(errors, "closes_on", _("The round must close on or after the day it opens."))
    if not 0 <= reminder_days <= 60:
        _add(errors, "reminder_days", _("Send the reminder between 0 and 60 days before closing."))
    questions = _clean_questions(open_questions or [], errors)
    if errors:
        raise ValidationError(errors)
    round_ = ConsultationRound(
        review=review,
        title=title,
        opens_on=opens_on,
        closes_on=closes_on,
        open_questions=questions,
        reminder_days=reminder_days,
    )
    set_history_user(round_, actor)
    round_.save()
    return round_


@transaction.atomic
def consultation_invite(
    *, actor: User | None, round_: ConsultationRound, countries: list[Country] | None = None
) -> int:
    """Invite to the round the current members of the review's product network (in the given
    countries; every country when none is given). One INSERT … SELECT, idempotent: an
    organization already invited is left as it is. Returns how many were newly invited."""
    review = round_.review
    _require_change(actor, review)
    if round_.closes_on < timezone.localdate():
        raise ValidationError({"countries": [_("This round has closed; nobody can be invited any more.")]})
    members = NetworkMembership.objects.filter(CURRENT_MEMBERSHIP, network_id=review.network_id)
    if countries:
        members = members.filter(organization__country__in=countries)
    select = members.values("organization_id").distinct().order_by()
    select_sql, select_params = select.query.sql_with_params()
    table = connection.ops.quote_name(ConsultationInvitation._meta.db_table)
    # "WHERE true" before ON CONFLICT: SQLite otherwise reads ON as a join clause.
    sql = (
        f"INSERT INTO {table} (round_id, organization_id, invited_at, invited_by_id, reminded_at) "  # noqa: S608
        f"SELECT %s, members.organization_id, %s, %s, NULL FROM ({select_sql}) members WHERE 1 = 1 "
        f"ON CONFLICT (round_id, organization_id) DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [round_.pk, timezone.now(), actor.pk if actor else None, *select_params])
        return max(cursor.rowcount, 0)


# --- Answers (portal) -----------------------------------------------------------------------

ANSWER_FIELDS = frozenset(
    {
        "currency",
        *(f"cost_{name}" for name in COST_CATEGORIES),
        "yield_per_hectare",
        "hectares",
        "labour_days",
        "volume",
        "open_answers",
        "comments",
    }
)


def _round_open_error(round_: ConsultationRound, today: datetime.date) -> str | None:
    if today < round_.opens_on:
        return _("This consultation opens on %(date)s; answers are accepted from that day.") % {
            "date": round_.opens_on.isoformat()
        }
    if today > round_.closes_on:
        return _("This consultation closed on %(date)s; answers are no longer accepted.") % {
            "date": round_.closes_on.isoformat()
        }
    return None


def _validate_answer(response: ConsultationResponse, *, submitting: bool, errors: dict[str, list[str]]) -> None:
    response.currency = (response.currency or "").strip().upper()
    if response.currency and (len(response.currency) != 3 or not response.currency.isalpha()):
        _add(errors, "currency", _("Use a three-letter ISO currency code, e.g. USD."))
    for name in COST_CATEGORIES:
        value = getattr(response, f"cost_{name}")
        if value is not None and (value < 0 or value >= MAX_COST):
            _add(errors, f"cost_{name}", _("Give a cost of zero or more per unit."))
    for name in ("yield_per_hectare", "hectares", "labour_days"):
        value = getattr(response, name)
        if value is not None and value < 0:
            _add(errors, name, _("Give zero or a positive number."))
    if response.volume is not None and response.volume <= 0:
        _add(errors, "volume", _("Give the volume as a positive number, or leave it empty."))
    if len(response.comments or "") > 5000:
        _add(errors, "comments", _("Keep the comments under 5,000 characters."))
    if submitting:
        if not response.currency:
            _add(errors, "currency", _("Say which currency the costs are in."))
        if all(getattr(response, f"cost_{name}") is None for name in COST_CATEGORIES):
            _add(errors, "cost_labour", _("Give the cost per unit of at least one category."))
        if response.currency and response.currency != "USD":
            known = ExchangeRate.objects.filter(currency=response.currency).exists()
            if not known:
                _add(
                    errors,
                    "currency",
                    _("CLAC has no exchange rate for %(currency)s; give the costs in USD or your local currency.")
                    % {"currency": response.currency},
                )


@transaction.atomic
def consultation_response_save(
    *,
    actor: User | None,
    round_: ConsultationRound,
    organization: Organization,
    submit: bool = False,
    today: datetime.date | None = None,
    **answers: Any,
) -> ConsultationResponse:
    """Save the organization's answer as a draft, or submit it (final). Only while the round is
    open (both dates included, project time zone), only by an admin or editor of an invited
    organization, never after it was submitted."""
    today = today or timezone.localdate()
    unknown = set(answers) - ANSWER_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), _("This field cannot be changed here.")))
    if (
        actor is None
        or not PortalAccess.objects.filter(
            user=actor, organization=organization, role__in=[PortalRole.ADMIN, PortalRole.EDITOR]
        ).exists()
    ):
        raise PermissionDenied(_("Only your organization's portal administrators and editors can answer."))
    if not ConsultationInvitation.objects.filter(round=round_, organization=organization).exists():
        raise PermissionDenied(_("Your organization is not invited to this consultation."))
    closed = _round_open_error(round_, today)
    if closed:
        raise ValidationError({"__all__": [closed]})
    response, _created = ConsultationResponse.objects.select_for_update().get_or_create(
        round=round_, organization=organization, defaults={"updated_by": actor}
    )
    if response.status == ConsultationResponse.Status.SUBMITTED:
        raise ValidationError({"__all__": [_("Your organization already submitted its answer to this round.")]})
    questions = len(round_.open_questions or [])
    if "open_answers" in answers:
        given = [str(a or "").strip() for a in (answers["open_answers"] or [])]
        if len(given) > questions or any(len(a) > 5000 for a in given):
            raise ValidationError({"open_answers": [_("Answer each open question in under 5,000 characters.")]})
        answers["open_answers"] = given + [""] * (questions - len(given))
    for name, value in answers.items():
        setattr(response, name, value)
    errors: dict[str, list[str]] = {}
    _validate_answer(response, submitting=submit, errors=errors)
    if errors:
        raise ValidationError(errors)
    costs = [getattr(response, f"cost_{name}") for name in COST_CATEGORIES]
    response.cost_total = (
        sum((c for c in costs if c is not None), Decimal(0)) if any(c is not None for c in costs) else None
    )
    response.updated_by = actor
    fields = [*answers, "cost_total", "updated_by", "updated_at"]
    if submit:
        response.status = ConsultationResponse.Status.SUBMITTED
        response.submitted_at = timezone.now()
        response.submitted_by = actor
        fields += ["status", "submitted_at", "submitted_by"]
    response.save(update_fields=sorted(set(fields)))
    return response


# --- Reminders ------------------------------------------------------------------------------


def _recipients(organization_ids: list[int]) -> dict[int, dict[str, str]]:
    """Who hears about a consultation for each organization: its current primary contacts and
    its portal administrators and editors, with an email; email → language (the person's
    preferred language, the user's interface language, else Spanish)."""
    recipients: dict[int, dict[str, str]] = {pk: {} for pk in organization_ids}
    contacts = (
        Affiliation.objects.filter(organization_id__in=organization_ids, is_primary=True, end_date__isnull=True)
        .exclude(person__email="")
        .values_list("organization_id", "person__email", "person__preferred_language")
    )
    for organization_id, email, language in contacts:
        recipients[organization_id].setdefault(email.lower(), language or settings.LANGUAGE_CODE)
    users = (
        PortalAccess.objects.filter(
            organization_id__in=organization_ids,
            role__in=[PortalRole.ADMIN, PortalRole.EDITOR],
            user__is_active=True,
        )
        .exclude(user__email="")
        .values_list("organization_id", "user__email", "user__language")
    )
    for organization_id, email, language in users:
        recipients[organization_id].setdefault(email.lower(), language or settings.LANGUAGE_CODE)
    return recipients


def _reminder_message(round_: ConsultationRound, organization_name: str, language: str) -> tuple[str, str]:
    with translation.override(language):
        product = str(round_.review.product)
        subject = _("Reminder: the consultation “%(round)s” closes on %(date)s") % {
            "round": round_.title,
            "date": round_.closes_on.isoformat(),
        }
        body = _(
            "Hello,\n\n%(organization)s is invited to answer the consultation “%(round)s” of the review "
            "“%(review)s” (%(product)s), and has not submitted its answer yet.\n\nThe consultation "
            "closes on %(date)s. Your organization's portal administrators and editors can answer in "
            "the CLAC portal, under Consultations.\n\nCLAC"
        ) % {
            "organization": organization_name,
            "round": round_.title,
            "review": round_.review.title,
            "product": product,
            "date": round_.closes_on.isoformat(),
        }
    return subject, body


def consultation_reminders_send(*, today: datetime.date | None = None) -> dict[str, int]:
    """Remind every invited organization that has not submitted, once, when its round closes
    within the round's reminder days. Each reminder is claimed by a conditional update of its
    invitation (reminded_at empty → now) in its own transaction with the sending, so a second
    run, a parallel worker or a redelivered task sends nothing twice; a failed send rolls the
    claim back and the next run tries again."""
    today = today or timezone.localdate()
    submitted = ConsultationResponse.objects.filter(
        round_id=OuterRef("round_id"),
        organization_id=OuterRef("organization_id"),
        status=ConsultationResponse.Status.SUBMITTED,
    )
    due = list(
        ConsultationInvitation.objects.filter(
            reminded_at__isnull=True, round__opens_on__lte=today, round__closes_on__gte=today
        )
        .annotate(answered=Exists(submitted))
        .filter(answered=False)
        .select_related("round", "round__review", "round__review__product", "organization")
        .order_by("round_id", "organization_id")
    )
    due = [i for i in due if (i.round.closes_on - today).days <= i.round.reminder_days]
    recipients = _recipients(sorted({i.organization_id for i in due}))
    sent = skipped = 0
    for invitation in due:
        addresses = recipients.get(invitation.organization_id, {})
        with transaction.atomic():
            claimed = ConsultationInvitation.objects.filter(pk=invitation.pk, reminded_at__isnull=True).update(
                reminded_at=timezone.now()
            )
            if not claimed:
                continue
            if not addresses:
                # Nobody to write to: the claim stands, so the run does not retry every day.
                skipped += 1
                continue
            for email, language in sorted(addresses.items()):
                subject, body = _reminder_message(invitation.round, invitation.organization.name, language)
                send_mail(subject, body, None, [email])
                sent += 1
    return {"invitations": len(due), "emails": sent, "without_contact": skipped}


# --- Price references -----------------------------------------------------------------------


@transaction.atomic
def price_reference_record(
    *,
    actor: User | None,
    review: Review,
    kind: str,
    minimum_price: Decimal | None,
    premium: Decimal | None,
    effective_from: datetime.date | None,
    organic_differential: Decimal | None = None,
    unit: str = "",
    currency: str = "USD",
    incoterm: str = PriceReference.Incoterm.FOB,
    notes: str = "",
) -> PriceReference:
    """Record the network's position or the decision of a review as a price reference of the
    review's product (the unit defaults to the product's unit of trade)."""
    _require_change(actor, review)
    errors: dict[str, list[str]] = {}
    unit = unit or review.product.unit
    currency = (currency or "").strip().upper()
    if kind not in PriceReference.Kind.values:
        _add(errors, "kind", _("Choose the network's position or the decision."))
    if minimum_price is None or minimum_price <= 0:
        _add(errors, "minimum_price", _("Give a minimum price above zero."))
    if premium is None or premium < 0:
        _add(errors, "premium", _("Give a premium of zero or more."))
    if organic_differential is not None and organic_differential < 0:
        _add(errors, "organic_differential", _("Give a differential of zero or more, or leave it empty."))
    if unit not in Unit.values:
        _add(errors, "unit", _("Choose a unit of trade."))
    if len(currency) != 3 or not currency.isalpha():
        _add(errors, "currency", _("Use a three-letter ISO currency code, e.g. USD."))
    if incoterm not in PriceReference.Incoterm.values:
        _add(errors, "incoterm", _("Choose an incoterm."))
    if effective_from is None:
        _add(errors, "effective_from", _("Give the date the price applies from."))
    elif (
        kind == PriceReference.Kind.DECISION
        and PriceReference.objects.filter(
            product=review.product, kind=PriceReference.Kind.DECISION, effective_from=effective_from
        ).exists()
    ):
        _add(errors, "effective_from", _("This product already has a decision from that date."))
    if len(notes or "") > 300:
        _add(errors, "notes", _("Keep the notes under 300 characters."))
    if errors:
        raise ValidationError(errors)
    assert minimum_price is not None and premium is not None and effective_from is not None  # validated above
    reference = PriceReference(
        product=review.product,
        review=review,
        kind=kind,
        minimum_price=minimum_price,
        premium=premium,
        organic_differential=organic_differential,
        unit=unit,
        currency=currency,
        incoterm=incoterm,
        effective_from=effective_from,
        notes=(notes or "").strip(),
        recorded_by=actor,
    )
    set_history_user(reference, actor)
    reference.save()
    return reference
