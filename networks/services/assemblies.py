"""Writes of the assemblies area: `<entity>_<action>(*, actor, ...)`, keyword-only, typed, atomic.

The rules (the models say where each status leads):

- A session goes `preparing → designation_open → accreditation → in_session → closed`; each
  step is a conditional update on the status it leaves, so two staff members clicking at
  once move it once.
- Delegates are named by staff (while preparing, designation open or accreditation) or by
  the organization's portal admins and editors (only while designation is open). The
  organization must be a current member of the body's network, or for the General Assembly
  an active CLAC member; the person must be currently affiliated to it; an organization
  names at most `session.delegates_per_organization` delegates (withdrawn ones not counted).
- Closing designation fixes the expected votes (when staff have not set them) as the votes
  of the delegates designated then.
- Delegates present are accredited (accreditation or in session). The quorum is certified
  when the accredited votes reach `quorum_percent` of the expected votes; that opens the
  session.
- A tally is recorded while in session, never with more votes than are accredited; the
  result follows from it (Motion says how).
- A session closes once every motion is decided or withdrawn. A closed session is the record
  of the assembly: every service here refuses to change it, its delegates or its motions.
  Each one locks the session row first (select_for_update), so a close and a change cannot
  interleave.
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from clac.models import User
from members.models import Affiliation, Country, Organization, Person, ProductNetwork
from members.services._common import full_clean_fields, set_history_user
from networks.models import AssemblySession, Body, Delegate, Motion
from networks.selectors.assemblies import organization_may_send_delegates, quorum_is_met

__all__ = [
    "assembly_designation_close",
    "assembly_designation_open",
    "assembly_quorum_certify",
    "assembly_session_close",
    "assembly_session_create",
    "assembly_session_update",
    "delegate_designate",
    "delegate_update",
    "delegate_withdraw",
    "delegates_accredit",
    "motion_create",
    "motion_record_tally",
    "motion_result",
    "motion_update",
    "motion_withdraw",
]

Status = AssemblySession.Status

# Where staff may still name, change or withdraw delegates; the portal only while designation is open.
STAFF_DESIGNATION_STATUSES = (Status.PREPARING, Status.DESIGNATION_OPEN, Status.ACCREDITATION)
PORTAL_DESIGNATION_STATUSES = (Status.DESIGNATION_OPEN,)
ACCREDITATION_STATUSES = (Status.ACCREDITATION, Status.IN_SESSION)
SESSION_FIELDS = frozenset(
    {"title", "starts_on", "ends_on", "place", "quorum_percent", "expected_votes", "delegates_per_organization"}
)
# Fixed once the quorum is certified on them.
QUORUM_FIELDS = frozenset({"quorum_percent", "expected_votes"})


# --- Pure rules ---------------------------------------------------------------------------


def motion_result(*, votes_for: int, votes_against: int, requires_two_thirds: bool) -> str:
    """Votes cast are for + against (abstentions do not count toward the majority). A simple
    majority carries when for > against; two thirds when for ≥ ⅔ of the votes cast (and at
    least one vote for)."""
    if requires_two_thirds:
        carried = votes_for > 0 and votes_for * 3 >= (votes_for + votes_against) * 2
    else:
        carried = votes_for > votes_against
    return Motion.Result.CARRIED if carried else Motion.Result.REJECTED


def _currently_affiliated(*, person: Person, organization: Organization) -> bool:
    today = timezone.localdate()
    return (
        Affiliation.objects.filter(person=person, organization=organization)
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=today))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .exists()
    )


# --- Locks and transitions ----------------------------------------------------------------


def _lock_session(session_id: int) -> AssemblySession:
    """The session row, locked for the rest of the transaction; refused when closed (a closed
    session is the assembly's record)."""
    session = AssemblySession.objects.select_for_update().select_related("body").get(pk=session_id)
    if session.status == Status.CLOSED:
        raise ValidationError(_("This assembly session is closed: its record can no longer change."))
    return session


def _status_label(status: str) -> str:
    return str(dict(Status.choices)[status])


def _require_status(session: AssemblySession, allowed: Iterable[str], action: str) -> None:
    allowed = tuple(allowed)
    if session.status not in allowed:
        raise ValidationError(
            _("%(action)s is not possible while the session is “%(status)s” (only when %(allowed)s).")
            % {
                "action": action,
                "status": _status_label(session.status),
                "allowed": ", ".join(f"“{_status_label(s)}”" for s in allowed),
            }
        )


def _transition(
    *, session: AssemblySession, actor: User | None, from_status: str, to_status: str, **fields: Any
) -> AssemblySession:
    """Move the session from one status to the next with a conditional update (0 rows: someone
    else moved it first), then keep its history row attributed to the actor."""
    now = timezone.now()
    moved = AssemblySession.objects.filter(pk=session.pk, status=from_status).update(
        status=to_status, updated_at=now, **fields
    )
    if moved != 1:
        raise ValidationError(_("The session changed in the meantime; reload the page and try again."))
    session.refresh_from_db()
    AssemblySession.history.bulk_history_create([session], update=True, default_user=actor, default_date=now)
    return session


def _delegate_votes(session: AssemblySession) -> dict[str, int]:
    """Accredited and designated (not withdrawn) votes of a session: one aggregate query."""
    figures = Delegate.objects.filter(session=session).aggregate(
        accredited=Sum("votes", filter=Q(status=Delegate.Status.ACCREDITED)),
        designated=Sum("votes", filter=~Q(status=Delegate.Status.WITHDRAWN)),
    )
    return {key: value or 0 for key, value in figures.items()}


# --- Sessions -----------------------------------------------------------------------------


def _session_errors(values: dict[str, Any]) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    starts_on, ends_on = values.get("starts_on"), values.get("ends_on")
    if starts_on and ends_on and ends_on < starts_on:
        errors["ends_on"] = [_("The session cannot end before it starts.")]
    if not str(values.get("title", "x")).strip():
        errors["title"] = [_("Give the session a title.")]
    return errors


@transaction.atomic
def assembly_session_create(
    *,
    actor: User | None,
    body: Body,
    title: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    place: str = "",
    quorum_percent: Decimal = AssemblySession.DEFAULT_QUORUM_PERCENT,
    expected_votes: int | None = None,
    delegates_per_organization: int = AssemblySession.DEFAULT_DELEGATES_PER_ORGANIZATION,
) -> AssemblySession:
    """A new session of a General Assembly or a network assembly, in preparation."""
    session = AssemblySession(
        body=body,
        title=title.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        place=place.strip(),
        quorum_percent=quorum_percent,
        expected_votes=expected_votes,
        delegates_per_organization=delegates_per_organization,
    )
    errors = _session_errors({"title": title, "starts_on": starts_on, "ends_on": ends_on})
    if body.kind not in AssemblySession.BODY_KINDS:
        errors["body"] = [_("Only a General Assembly or a network assembly holds assembly sessions.")]
    try:
        full_clean_fields(session)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(m for m in messages if m not in errors.get(key, []))
    if errors:
        raise ValidationError(errors)
    set_history_user(session, actor)
    session.save()
    return session


@transaction.atomic
def assembly_session_update(*, actor: User | None, session: AssemblySession, **fields: Any) -> AssemblySession:
    """Change a session's title, dates, place, quorum rule, expected votes or delegate cap;
    the quorum rule and expected votes are fixed once the quorum is certified."""
    session = _lock_session(session.pk)
    unknown = set(fields) - SESSION_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), _("This field cannot be changed here.")))
    errors: dict[str, list[str]] = {}
    if session.quorum_certified_at is not None:
        for name in sorted(QUORUM_FIELDS & set(fields)):
            if fields[name] != getattr(session, name):
                errors[name] = [_("The quorum is certified: this figure can no longer change.")]
    if isinstance(fields.get("title"), str):
        fields["title"] = fields["title"].strip()
    if isinstance(fields.get("place"), str):
        fields["place"] = fields["place"].strip()
    changed = [name for name, value in fields.items() if getattr(session, name) != value]
    for name in changed:
        setattr(session, name, fields[name])
    errors.update(_session_errors({"title": session.title, "starts_on": session.starts_on, "ends_on": session.ends_on}))
    try:
        full_clean_fields(session)
    except ValidationError as exc:
        for key, messages in exc.message_dict.items():
            errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    if changed:
        set_history_user(session, actor)
        session.save(update_fields=[*changed, "updated_at"])
    return session


@transaction.atomic
def assembly_designation_open(*, actor: User | None, session: AssemblySession) -> AssemblySession:
    """Member organizations may now name their delegates in the portal."""
    session = _lock_session(session.pk)
    _require_status(session, [Status.PREPARING], _("Opening the designation of delegates"))
    return _transition(
        session=session,
        actor=actor,
        from_status=Status.PREPARING,
        to_status=Status.DESIGNATION_OPEN,
        designation_opened_at=timezone.now(),
    )


@transaction.atomic
def assembly_designation_close(*, actor: User | None, session: AssemblySession) -> AssemblySession:
    """The portal stops taking designations; accreditation starts. The expected votes become
    the designated votes unless staff set them."""
    session = _lock_session(session.pk)
    _require_status(session, [Status.DESIGNATION_OPEN], _("Closing the designation of delegates"))
    fields: dict[str, Any] = {"designation_closed_at": timezone.now()}
    if session.expected_votes is None:
        designated = _delegate_votes(session)["designated"]
        if designated == 0:
            raise ValidationError(
                {
                    "expected_votes": _(
                        "No delegate is designated and the expected votes are not set: the quorum would have "
                        "nothing to be measured against. Set the expected votes or designate delegates first."
                    )
                }
            )
        fields["expected_votes"] = designated
    return _transition(
        session=session, actor=actor, from_status=Status.DESIGNATION_OPEN, to_status=Status.ACCREDITATION, **fields
    )


@transaction.atomic
def assembly_quorum_certify(*, actor: User | None, session: AssemblySession) -> AssemblySession:
    """The oversight committee certifies that the accredited votes reach the quorum; the
    session opens. Refused, with both figures, when they do not."""
    session = _lock_session(session.pk)
    _require_status(session, [Status.ACCREDITATION], _("Certifying the quorum"))
    if not session.expected_votes:
        raise ValidationError({"expected_votes": _("Set the expected votes before certifying the quorum.")})
    accredited = _delegate_votes(session)["accredited"]
    if not quorum_is_met(
        accredited_votes=accredited, expected_votes=session.expected_votes, quorum_percent=session.quorum_percent
    ):
        needed = session.quorum_percent * session.expected_votes / 100
        raise ValidationError(
            _(
                "No quorum: %(accredited)s accredited votes, but %(needed)s are needed "
                "(%(percent)s %% of %(expected)s expected votes)."
            )
            % {
                "accredited": accredited,
                "needed": needed.quantize(Decimal("0.01")).normalize(),
                "percent": session.quorum_percent.normalize(),
                "expected": session.expected_votes,
            }
        )
    return _transition(
        session=session,
        actor=actor,
        from_status=Status.ACCREDITATION,
        to_status=Status.IN_SESSION,
        quorum_certified_at=timezone.now(),
        quorum_certified_by=actor,
        quorum_votes=accredited,
    )


@transaction.atomic
def assembly_session_close(*, actor: User | None, session: AssemblySession) -> AssemblySession:
    """Close the record: the quorum is certified and every motion decided or withdrawn.
    Nothing of the session changes afterwards."""
    session = _lock_session(session.pk)
    _require_status(session, [Status.IN_SESSION], _("Closing the session"))
    pending = list(
        session.motions.filter(result=Motion.Result.PENDING).order_by("number").values_list("number", flat=True)
    )
    if pending:
        raise ValidationError(
            _("Motions %(numbers)s are still pending: record their tally or withdraw them first.")
            % {"numbers": ", ".join(str(n) for n in pending)}
        )
    return _transition(
        session=session,
        actor=actor,
        from_status=Status.IN_SESSION,
        to_status=Status.CLOSED,
        closed_at=timezone.now(),
        closed_by=actor,
    )


# --- Delegates ----------------------------------------------------------------------------


def _designation_window(session: AssemblySession, *, via_portal: bool, action: str) -> None:
    if via_portal:
        if session.status not in PORTAL_DESIGNATION_STATUSES:
            raise ValidationError(
                _("The designation of delegates for this session is not open; CLAC staff can help you.")
            )
        return
    _require_status(session, STAFF_DESIGNATION_STATUSES, action)


def _representation_errors(
    *, country: Country | None, product_network: str, votes: int, via_portal: bool
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if country is None and not product_network:
        errors["product_network"] = [_("A delegate represents a country, a product network, or both.")]
    if product_network and product_network not in ProductNetwork.values:
        errors["product_network"] = [_("Unknown product network.")]
    if not isinstance(votes, int) or votes < 1:
        errors["votes"] = [_("A delegate has at least one vote.")]
    elif via_portal and votes != 1:
        # The organizations name people; CLAC allots votes.
        errors["votes"] = [_("The votes of a delegate are set by CLAC.")]
    return errors


def _organization_delegate_count(session: AssemblySession, organization: Organization, exclude_pk: int | None) -> int:
    found = Delegate.objects.filter(session=session, organization=organization).exclude(
        status=Delegate.Status.WITHDRAWN
    )
    if exclude_pk is not None:
        found = found.exclude(pk=exclude_pk)
    return found.count()


@transaction.atomic
def delegate_designate(
    *,
    actor: User | None,
    session: AssemblySession,
    organization: Organization,
    person: Person,
    country: Country | None = None,
    product_network: str = "",
    votes: int = 1,
    via_portal: bool = False,
) -> Delegate:
    """Name a delegate of `organization` for the session (staff, or the organization itself
    through the portal while designation is open). A withdrawn delegate named again comes back."""
    session = _lock_session(session.pk)
    _designation_window(session, via_portal=via_portal, action=_("Designating delegates"))
    errors = _representation_errors(
        country=country, product_network=product_network, votes=votes, via_portal=via_portal
    )
    if not organization_may_send_delegates(session=session, organization=organization):
        if session.body.network_id is None:
            errors["organization"] = [_("Only active CLAC members send delegates to the General Assembly.")]
        else:
            errors["organization"] = [_("Only current member organizations of the network send delegates.")]
    if not _currently_affiliated(person=person, organization=organization):
        errors["person"] = [_("The delegate must be a person currently serving the organization.")]
    existing = Delegate.objects.select_for_update().filter(session=session, person=person).first()
    if existing is not None and existing.status != Delegate.Status.WITHDRAWN:
        errors["person"] = [
            _("%(person)s is already a delegate in this session (for %(organization)s).")
            % {"person": person, "organization": existing.organization}
        ]
    if _organization_delegate_count(session, organization, None) >= session.delegates_per_organization:
        errors["organization"] = [
            _("An organization names at most %(count)s delegates for this session; withdraw one to name another.")
            % {"count": session.delegates_per_organization}
        ]
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    delegate = existing or Delegate(session=session, person=person)
    delegate.organization = organization
    delegate.country = country
    delegate.product_network = product_network
    delegate.votes = votes
    delegate.status = Delegate.Status.DESIGNATED
    delegate.designated_at = now
    delegate.designated_by = actor
    delegate.accredited_at = None
    delegate.accredited_by = None
    delegate.withdrawn_at = None
    set_history_user(delegate, actor)
    delegate.save()
    return delegate


DELEGATE_FIELDS = frozenset({"person", "country", "product_network", "votes"})
PORTAL_DELEGATE_FIELDS = frozenset({"person", "product_network"})


@transaction.atomic
def delegate_update(*, actor: User | None, delegate: Delegate, via_portal: bool = False, **fields: Any) -> Delegate:
    """Change who sits for the organization (another of its people), what they represent or
    (staff) their votes. Not once accredited: withdraw and name another instead."""
    session = _lock_session(delegate.session_id)
    delegate = Delegate.objects.select_for_update().get(pk=delegate.pk)
    _designation_window(session, via_portal=via_portal, action=_("Changing delegates"))
    allowed = PORTAL_DELEGATE_FIELDS if via_portal else DELEGATE_FIELDS
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), _("This field cannot be changed here.")))
    if delegate.status != Delegate.Status.DESIGNATED:
        raise ValidationError(
            _("Only a designated delegate can be changed; this one is %(status)s.")
            % {"status": delegate.get_status_display()}
        )
    values = {name: fields.get(name, getattr(delegate, name)) for name in DELEGATE_FIELDS}
    errors = _representation_errors(
        country=values["country"],
        product_network=values["product_network"],
        votes=values["votes"],
        via_portal=via_portal and "votes" in fields,
    )
    person = values["person"]
    if person.pk != delegate.person_id:
        if not _currently_affiliated(person=person, organization=delegate.organization):
            errors["person"] = [_("The delegate must be a person currently serving the organization.")]
        elif Delegate.objects.filter(session=session, person=person).exists():
            errors["person"] = [_("%(person)s already has a place in this session.") % {"person": person}]
    if errors:
        raise ValidationError(errors)
    changed = []
    for name in DELEGATE_FIELDS:
        current = delegate.person if name == "person" else getattr(delegate, name)
        if values[name] != current:
            setattr(delegate, name, values[name])
            changed.append(name)
    if changed:
        set_history_user(delegate, actor)
        delegate.save(update_fields=[*changed, "updated_at"])
    return delegate


@transaction.atomic
def delegate_withdraw(*, actor: User | None, delegate: Delegate, via_portal: bool = False) -> Delegate:
    """The organization no longer sends this delegate (before accreditation)."""
    session = _lock_session(delegate.session_id)
    delegate = Delegate.objects.select_for_update().get(pk=delegate.pk)
    _designation_window(session, via_portal=via_portal, action=_("Withdrawing delegates"))
    if delegate.status != Delegate.Status.DESIGNATED:
        raise ValidationError(
            _("Only a designated delegate can be withdrawn; this one is %(status)s.")
            % {"status": delegate.get_status_display()}
        )
    delegate.status = Delegate.Status.WITHDRAWN
    delegate.withdrawn_at = timezone.now()
    set_history_user(delegate, actor)
    delegate.save(update_fields=["status", "withdrawn_at", "updated_at"])
    return delegate


@transaction.atomic
def delegates_accredit(*, actor: User | None, session: AssemblySession, delegate_ids: Iterable[int]) -> int:
    """Accredit the delegates present (designated ones of this session); returns how many were
    accredited. Ids of other sessions, withdrawn or already accredited delegates are refused."""
    session = _lock_session(session.pk)
    _require_status(session, ACCREDITATION_STATUSES, _("Accrediting delegates"))
    ids = sorted({int(pk) for pk in delegate_ids})
    if not ids:
        raise ValidationError({"delegates": _("Tick the delegates who are present.")})
    delegates = list(Delegate.objects.select_for_update().filter(session=session, pk__in=ids).order_by("pk"))
    found = {d.pk for d in delegates}
    not_designated = [d for d in delegates if d.status != Delegate.Status.DESIGNATED]
    if len(found) != len(ids) or not_designated:
        raise ValidationError(
            {"delegates": _("Only designated delegates of this session can be accredited; reload the page.")}
        )
    now = timezone.now()
    for delegate in delegates:
        delegate.status = Delegate.Status.ACCREDITED
        delegate.accredited_at = now
        delegate.accredited_by = actor
    Delegate.objects.bulk_update(delegates, ["status", "accredited_at", "accredited_by", "updated_at"])
    Delegate.history.bulk_history_create(delegates, update=True, default_user=actor, default_date=now)
    return len(delegates)


# --- Motions ------------------------------------------------------------------------------


@transaction.atomic
def motion_create(
    *,
    actor: User | None,
    session: AssemblySession,
    title: str,
    text: str = "",
    requires_two_thirds: bool = False,
    number: int | None = None,
) -> Motion:
    """Put a motion on the session's agenda (numbered next unless a number is given)."""
    session = _lock_session(session.pk)
    errors: dict[str, list[str]] = {}
    if not title.strip():
        errors["title"] = [_("Give the motion a title.")]
    if number is None:
        number = (session.motions.aggregate(last=Max("number"))["last"] or 0) + 1
    elif number < 1:
        errors["number"] = [_("Motions are numbered from 1.")]
    elif session.motions.filter(number=number).exists():
        errors["number"] = [_("Motion %(number)s already exists in this session.") % {"number": number}]
    if errors:
        raise ValidationError(errors)
    motion = Motion(
        session=session, number=number, title=title.strip(), text=text.strip(), requires_two_thirds=requires_two_thirds
    )
    set_history_user(motion, actor)
    motion.save()
    return motion


@transaction.atomic
def motion_update(*, actor: User | None, motion: Motion, title: str, text: str, requires_two_thirds: bool) -> Motion:
    """Reword a pending motion."""
    _lock_session(motion.session_id)
    motion = Motion.objects.select_for_update().get(pk=motion.pk)
    if motion.result != Motion.Result.PENDING:
        raise ValidationError(_("Only a pending motion can be reworded."))
    if not title.strip():
        raise ValidationError({"title": _("Give the motion a title.")})
    motion.title, motion.text, motion.requires_two_thirds = title.strip(), text.strip(), requires_two_thirds
    set_history_user(motion, actor)
    motion.save(update_fields=["title", "text", "requires_two_thirds", "updated_at"])
    return motion


@transaction.atomic
def motion_record_tally(
    *, actor: User | None, motion: Motion, votes_for: int, votes_against: int, votes_abstain: int
) -> Motion:
    """Record (or correct, while in session) the oversight committee's count. The tally can
    never exceed the votes accredited at that moment; the result follows from it."""
    session = _lock_session(motion.session_id)
    motion = Motion.objects.select_for_update().get(pk=motion.pk)
    _require_status(session, [Status.IN_SESSION], _("Recording a vote"))
    if motion.result == Motion.Result.WITHDRAWN:
        raise ValidationError(_("This motion was withdrawn; it is not voted."))
    errors: dict[str, list[str]] = {}
    tally = {"votes_for": votes_for, "votes_against": votes_against, "votes_abstain": votes_abstain}
    for name, value in tally.items():
        if not isinstance(value, int) or value < 0:
            errors[name] = [_("Enter a whole number, zero or more.")]
    if errors:
        raise ValidationError(errors)
    accredited = _delegate_votes(session)["accredited"]
    total = votes_for + votes_against + votes_abstain
    if total > accredited:
        raise ValidationError(
            _(
                "The tally counts %(total)s votes (%(for)s for, %(against)s against, %(abstain)s abstentions) "
                "but only %(accredited)s votes are accredited."
            )
            % {
                "total": total,
                "for": votes_for,
                "against": votes_against,
                "abstain": votes_abstain,
                "accredited": accredited,
            }
        )
    if total == 0:
        raise ValidationError(_("The tally is empty: record at least one vote, or withdraw the motion."))
    motion.votes_for, motion.votes_against, motion.votes_abstain = votes_for, votes_against, votes_abstain
    motion.result = motion_result(
        votes_for=votes_for, votes_against=votes_against, requires_two_thirds=motion.requires_two_thirds
    )
    motion.recorded_at = timezone.now()
    motion.recorded_by = actor
    set_history_user(motion, actor)
    motion.save(
        update_fields=[
            "votes_for",
            "votes_against",
            "votes_abstain",
            "result",
            "recorded_at",
            "recorded_by",
            "updated_at",
        ]
    )
    return motion


@transaction.atomic
def motion_withdraw(*, actor: User | None, motion: Motion) -> Motion:
    """The motion is taken off the agenda before it is voted."""
    _lock_session(motion.session_id)
    moved = Motion.objects.filter(pk=motion.pk, result=Motion.Result.PENDING).update(
        result=Motion.Result.WITHDRAWN, updated_at=timezone.now()
    )
    if moved != 1:
        raise ValidationError(_("Only a pending motion can be withdrawn."))
    motion.refresh_from_db()
    Motion.history.bulk_history_create([motion], update=True, default_user=actor)
    return motion
