"""Writes of the meetings area: meetings (create, update, cancel, mark held), their attendance,
agreements and follow-up actions. `<entity>_<action>(*, actor, ...)`, keyword-only, typed,
atomic; every error is reported at once as a ValidationError dict.

Who may write: `network_can_change(actor, network)` for the meeting's network (a network's
own meeting: that network; a body's meeting: the body's network, None for CLAC's own bodies,
which only administrators change). A refusal is a PermissionDenied (403), as the access
helpers give; views and the API reach records through those helpers first."""

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from clac.models import User
from clac.roles import user_is_staff_member
from members.models import Organization, Person
from members.services._common import set_history_user
from networks.models import Agreement, Body, FollowUpAction, Meeting, MeetingAttendance, Network
from networks.selectors.meetings import meeting_invited_organization_ids, meeting_network
from networks.selectors.networks import network_can_change

__all__ = [
    "AttendanceEntry",
    "agreement_add",
    "agreement_update",
    "attendance_record",
    "followup_action_add",
    "followup_action_set_status",
    "followup_action_update",
    "meeting_cancel",
    "meeting_create",
    "meeting_mark_held",
    "meeting_update",
]

MEETING_FIELDS = frozenset({"title", "starts_at", "ends_at", "modality", "place", "online_url", "agenda", "minutes"})
# Allowed status changes of a follow-up action. A done action can be reopened (in progress) and
# a cancelled one restored (open); a cancelled action cannot be completed directly.
ACTION_TRANSITIONS: dict[str, frozenset[str]] = {
    FollowUpAction.Status.OPEN: frozenset({"in_progress", "done", "cancelled"}),
    FollowUpAction.Status.IN_PROGRESS: frozenset({"open", "done", "cancelled"}),
    FollowUpAction.Status.DONE: frozenset({"in_progress"}),
    FollowUpAction.Status.CANCELLED: frozenset({"open"}),
}


def _require_change(actor: User | None, network: Network | None) -> None:
    if actor is None or not network_can_change(actor, network):
        raise PermissionDenied(_("You cannot change the meetings of this network or body."))


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _validate_meeting(meeting: Meeting, errors: dict[str, list[str]]) -> None:
    """Single-meeting rules shared by create and update."""
    meeting.title = (meeting.title or "").strip()
    meeting.place = (meeting.place or "").strip()
    meeting.online_url = (meeting.online_url or "").strip()
    if not meeting.title:
        _add(errors, "title", _("Give the meeting a title."))
    if meeting.starts_at is None:
        _add(errors, "starts_at", _("Give the date and time the meeting starts."))
    elif timezone.is_naive(meeting.starts_at):
        _add(errors, "starts_at", _("The start needs a time zone."))
    if meeting.modality not in Meeting.Modality.values:
        _add(errors, "modality", _("Choose in person, virtual or hybrid."))
    if meeting.ends_at is not None and meeting.starts_at is not None and meeting.ends_at <= meeting.starts_at:
        _add(errors, "ends_at", _("The meeting must end after it starts."))
    if meeting.modality in Meeting.PLACE_MODALITIES and not meeting.place:
        _add(errors, "place", _("Say where the meeting takes place."))
    if meeting.modality in Meeting.ONLINE_MODALITIES and not meeting.online_url:
        _add(errors, "online_url", _("Give the link to join the meeting online."))
    if meeting.modality == Meeting.Modality.VIRTUAL:
        meeting.place = ""
    if meeting.modality == Meeting.Modality.IN_PERSON:
        meeting.online_url = ""
    if meeting.online_url and not meeting.online_url.lower().startswith(("https://", "http://")):
        _add(errors, "online_url", _("The link must start with https:// or http://."))
    if len(meeting.title) > 200:
        _add(errors, "title", _("Keep the title under 200 characters."))
    if len(meeting.place) > 300:
        _add(errors, "place", _("Keep the place under 300 characters."))
    if len(meeting.online_url) > 500:
        _add(errors, "online_url", _("Keep the link under 500 characters."))
    if meeting.status == Meeting.Status.HELD and meeting.starts_at is not None and meeting.starts_at > timezone.now():
        _add(errors, "starts_at", _("This meeting was held: its date cannot be in the future."))


@transaction.atomic
def meeting_create(
    *,
    actor: User | None,
    title: str,
    starts_at: datetime.datetime,
    modality: str,
    body: Body | None = None,
    network: Network | None = None,
    ends_at: datetime.datetime | None = None,
    place: str = "",
    online_url: str = "",
    agenda: str = "",
    minutes: str = "",
) -> Meeting:
    """Plan a meeting of a body or of a network (exactly one)."""
    errors: dict[str, list[str]] = {}
    if (body is None) == (network is None):
        raise ValidationError({"body": _("Choose either a body or a network, not both.")})
    owner_network = body.network if body is not None else network
    _require_change(actor, owner_network)
    meeting = Meeting(
        body=body,
        network=network,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        modality=modality,
        place=place,
        online_url=online_url,
        agenda=agenda,
        minutes=minutes,
        created_by=actor,
    )
    _validate_meeting(meeting, errors)
    if errors:
        raise ValidationError(errors)
    set_history_user(meeting, actor)
    meeting.save()
    return meeting


def _lock_meeting(meeting: Meeting) -> Meeting:
    return Meeting.objects.select_for_update(of=("self",)).select_related("body").get(pk=meeting.pk)


@transaction.atomic
def meeting_update(*, actor: User | None, meeting: Meeting, **fields: Any) -> Meeting:
    """Change a meeting's date, place, agenda or minutes. A cancelled meeting is closed."""
    _require_change(actor, meeting_network(meeting))
    unknown = set(fields) - MEETING_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), _("This field cannot be changed here.")))
    locked = _lock_meeting(meeting)
    if locked.status == Meeting.Status.CANCELLED:
        raise ValidationError(_("This meeting was cancelled; it can no longer be changed."))
    changed = [name for name, value in fields.items() if getattr(locked, name) != value]
    for name in changed:
        setattr(locked, name, fields[name])
    errors: dict[str, list[str]] = {}
    _validate_meeting(locked, errors)
    if errors:
        raise ValidationError(errors)
    if not changed:
        return locked
    set_history_user(locked, actor)
    # place / online_url may be cleared by the modality rules: save them with any change.
    locked.save(update_fields=sorted({*changed, "place", "online_url", "title", "updated_at"}))
    return locked


@transaction.atomic
def meeting_cancel(*, actor: User | None, meeting: Meeting, reason: str) -> Meeting:
    """Call off a planned meeting, saying why (invited organizations see it in the portal)."""
    _require_change(actor, meeting_network(meeting))
    locked = _lock_meeting(meeting)
    errors: dict[str, list[str]] = {}
    if locked.status != Meeting.Status.PLANNED:
        _add(errors, "status", _("Only a planned meeting can be cancelled."))
    if not reason.strip():
        _add(errors, "reason", _("Say why the meeting is cancelled."))
    elif len(reason.strip()) > 300:
        _add(errors, "reason", _("Keep the reason under 300 characters."))
    if errors:
        raise ValidationError(errors)
    locked.status = Meeting.Status.CANCELLED
    locked.cancellation_reason = reason.strip()
    set_history_user(locked, actor)
    locked.save(update_fields=["status", "cancellation_reason", "updated_at"])
    return locked


@transaction.atomic
def meeting_mark_held(*, actor: User | None, meeting: Meeting) -> Meeting:
    """Record that a planned meeting took place; its start must be in the past."""
    _require_change(actor, meeting_network(meeting))
    locked = _lock_meeting(meeting)
    errors: dict[str, list[str]] = {}
    if locked.status != Meeting.Status.PLANNED:
        _add(errors, "status", _("Only a planned meeting can be marked as held."))
    if locked.starts_at > timezone.now():
        _add(errors, "starts_at", _("A meeting can be marked as held only once it has started."))
    if errors:
        raise ValidationError(errors)
    locked.status = Meeting.Status.HELD
    set_history_user(locked, actor)
    locked.save(update_fields=["status", "updated_at"])
    return locked


# --- Attendance -----------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceEntry:
    """One line of the attendance list: a person (for an organization or not) or an
    organization as such; `present=False` records an excused or absent seat holder."""

    person: Person | None = None
    organization: Organization | None = None
    present: bool = True


@transaction.atomic
def attendance_record(*, actor: User | None, meeting: Meeting, entries: Sequence[AttendanceEntry]) -> int:
    """Replace the meeting's attendance list with `entries`; returns the number of rows.

    Rules: the meeting has started and is not cancelled; each line names a person or an
    organization; a person appears once, and an organization without a person once; an
    organization must be invited to the meeting *on its date* — a member of the network then
    (NetworkMembership covering the date) for a network meeting, or represented by a seat of
    the body whose term covers the date for a body meeting. People are not checked against
    organizations: guests and staff attend too."""
    _require_change(actor, meeting_network(meeting))
    locked = _lock_meeting(meeting)
    errors: dict[str, list[str]] = {}
    if locked.status == Meeting.Status.CANCELLED:
        _add(errors, "meeting", _("This meeting was cancelled: it has no attendance."))
    if locked.starts_at > timezone.now():
        _add(errors, "meeting", _("Attendance is recorded once the meeting has started."))
    organization_ids = {entry.organization.pk for entry in entries if entry.organization is not None}
    invited = meeting_invited_organization_ids(locked, organization_ids=organization_ids)
    seen_people: set[int] = set()
    seen_organizations: set[int] = set()
    for index, entry in enumerate(entries, start=1):
        if entry.person is None and entry.organization is None:
            _add(errors, "entries", _("Line %(line)s names nobody.") % {"line": index})
            continue
        if entry.organization is not None and entry.organization.pk not in invited:
            _add(
                errors,
                "organizations",
                _("%(organization)s is not invited to this meeting (not a member on its date).")
                % {"organization": entry.organization.name},
            )
        if entry.person is not None:
            if entry.person.pk in seen_people:
                _add(errors, "people", _("%(person)s is listed twice.") % {"person": entry.person.full_name})
            seen_people.add(entry.person.pk)
        elif entry.organization is not None:
            if entry.organization.pk in seen_organizations:
                _add(
                    errors,
                    "organizations",
                    _("%(organization)s is listed twice.") % {"organization": entry.organization.name},
                )
            seen_organizations.add(entry.organization.pk)
    if errors:
        raise ValidationError(errors)
    MeetingAttendance.objects.filter(meeting=locked).delete()
    rows = [
        MeetingAttendance(meeting=locked, person=entry.person, organization=entry.organization, present=entry.present)
        for entry in entries
    ]
    MeetingAttendance.objects.bulk_create(rows)
    # bulk_create writes no history on its own: one row per line, attributed to the actor.
    MeetingAttendance.history.bulk_history_create(rows, default_user=actor)
    set_history_user(locked, actor)
    locked.save(update_fields=["updated_at"])
    return len(rows)


# --- Agreements -----------------------------------------------------------------------------


def _clean_text(text: str, field: str, errors: dict[str, list[str]], message: str) -> str:
    text = (text or "").strip()
    if not text:
        _add(errors, field, message)
    return text


@transaction.atomic
def agreement_add(*, actor: User | None, meeting: Meeting, text: str, number: int | None = None) -> Agreement:
    """Record an agreement of a held meeting; numbered after the last one unless given."""
    _require_change(actor, meeting_network(meeting))
    # The meeting row lock serializes numbering: two clerks adding at once get 3 and 4.
    locked = _lock_meeting(meeting)
    errors: dict[str, list[str]] = {}
    if locked.status != Meeting.Status.HELD:
        _add(errors, "meeting", _("Agreements are recorded for meetings that were held."))
    text = _clean_text(text, "text", errors, _("Write the agreement."))
    if number is not None:
        if number < 1:
            _add(errors, "number", _("Agreements are numbered from 1."))
        elif Agreement.objects.filter(meeting=locked, number=number).exists():
            _add(errors, "number", _("This meeting already has agreement %(number)s.") % {"number": number})
    if errors:
        raise ValidationError(errors)
    if number is None:
        number = (Agreement.objects.filter(meeting=locked).aggregate(last=Max("number"))["last"] or 0) + 1
    agreement = Agreement(meeting=locked, number=number, text=text)
    set_history_user(agreement, actor)
    agreement.save()
    return agreement


@transaction.atomic
def agreement_update(*, actor: User | None, agreement: Agreement, text: str) -> Agreement:
    meeting = agreement.meeting
    _require_change(actor, meeting_network(meeting))
    errors: dict[str, list[str]] = {}
    text = _clean_text(text, "text", errors, _("Write the agreement."))
    if errors:
        raise ValidationError(errors)
    locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if locked.text == text:
        return locked
    locked.text = text
    set_history_user(locked, actor)
    locked.save(update_fields=["text", "updated_at"])
    return locked


# --- Follow-up actions ----------------------------------------------------------------------


def _validate_owner(owner_person: Person | None, owner_user: User | None, errors: dict[str, list[str]]) -> None:
    if (owner_person is None) == (owner_user is None):
        _add(errors, "owner", _("Choose one owner: a person or a staff member."))
    elif owner_user is not None and (not owner_user.is_active or not user_is_staff_member(owner_user)):
        _add(errors, "owner", _("The owner must be an active CLAC staff member."))


@transaction.atomic
def followup_action_add(
    *,
    actor: User | None,
    agreement: Agreement,
    description: str,
    due_date: datetime.date,
    owner_person: Person | None = None,
    owner_user: User | None = None,
) -> FollowUpAction:
    """Give an agreement a follow-up action with one owner and a due date."""
    _require_change(actor, meeting_network(agreement.meeting))
    errors: dict[str, list[str]] = {}
    description = _clean_text(description, "description", errors, _("Say what must be done."))
    _validate_owner(owner_person, owner_user, errors)
    if due_date is None:
        _add(errors, "due_date", _("Give a due date."))
    elif due_date < timezone.localtime(agreement.meeting.starts_at).date():
        _add(errors, "due_date", _("The due date cannot be before the meeting."))
    if errors:
        raise ValidationError(errors)
    action = FollowUpAction(
        agreement=agreement,
        description=description,
        owner_person=owner_person,
        owner_user=owner_user,
        due_date=due_date,
    )
    set_history_user(action, actor)
    action.save()
    return action


@transaction.atomic
def followup_action_update(
    *,
    actor: User | None,
    action: FollowUpAction,
    description: str,
    due_date: datetime.date,
    owner_person: Person | None = None,
    owner_user: User | None = None,
) -> FollowUpAction:
    """Change what an action asks, who owns it or its due date (its status: set_status)."""
    _require_change(actor, meeting_network(action.agreement.meeting))
    errors: dict[str, list[str]] = {}
    description = _clean_text(description, "description", errors, _("Say what must be done."))
    _validate_owner(owner_person, owner_user, errors)
    if due_date is None:
        _add(errors, "due_date", _("Give a due date."))
    if errors:
        raise ValidationError(errors)
    locked = FollowUpAction.objects.select_for_update().get(pk=action.pk)
    new = {
        "description": description,
        "owner_person_id": owner_person.pk if owner_person else None,
        "owner_user_id": owner_user.pk if owner_user else None,
        "due_date": due_date,
    }
    changed = [name for name, value in new.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, new[name])
    set_history_user(locked, actor)
    locked.save(update_fields=[*changed, "updated_at"])
    return locked


@transaction.atomic
def followup_action_set_status(
    *, actor: User | None, action: FollowUpAction, status: str, completed_on: datetime.date | None = None
) -> FollowUpAction:
    """Move an action along: done records when (today unless given, never in the future);
    a cancelled action must be reopened before it can be completed."""
    _require_change(actor, meeting_network(action.agreement.meeting))
    locked = FollowUpAction.objects.select_for_update().get(pk=action.pk)
    labels = dict(FollowUpAction.Status.choices)
    errors: dict[str, list[str]] = {}
    if status not in labels:
        raise ValidationError({"status": _("Unknown status.")})
    if status == locked.status:
        return locked
    if status not in ACTION_TRANSITIONS[locked.status]:
        if locked.status == FollowUpAction.Status.CANCELLED and status == FollowUpAction.Status.DONE:
            _add(errors, "status", _("A cancelled action cannot be completed; reopen it first."))
        else:
            _add(
                errors,
                "status",
                _("An action cannot go from %(from)s to %(to)s.")
                % {"from": labels[locked.status], "to": labels[status]},
            )
    today = timezone.localdate()
    if status == FollowUpAction.Status.DONE:
        completed_on = completed_on or today
        if completed_on > today:
            _add(errors, "completed_on", _("The completion date cannot be in the future."))
    else:
        completed_on = None
    if errors:
        raise ValidationError(errors)
    locked.status = status
    locked.completed_on = completed_on
    set_history_user(locked, actor)
    locked.save(update_fields=["status", "completed_on", "updated_at"])
    return locked
