"""Erasing a person's personal data (the right to erasure) while keeping what the network must
keep: statistics, the roles the person held, the consent decisions as evidence, and the audit
trail that says who erased the data, when and on which request.

What is replaced: names (the person becomes "#<id>"), both emails, the phone and the notes,
in the person row and in every history row of that person (and of records merged into them
earlier, which were the same human), and in the snapshots of those merges. The birth year is
kept to its decade, so age bands still count; gender, preferred language and affiliations
(organization, role, dates) are kept, so counts by gender, role, organization and country do
not change. Consent rows keep the channel, the answer, the date and how it was given: they
hold no contact data themselves. The erasure's own history row (actor, time, reason) and a
PersonErasure row are the evidence. Other apps hear "members.person_erased" and scrub free
text of their own that may name the person."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clac import plugins
from clac.models import User
from members.models import DuplicateKind, MergeRecord, Person, PersonErasure
from members.services._common import set_history_actor_and_reason

__all__ = ["PERSON_ERASED_FIELDS", "person_erase", "person_erased_values"]

# The person's fields that identify or describe them in free text: blanked or replaced.
PERSON_ERASED_FIELDS = ("first_name", "last_name", "email", "email_secondary", "phone", "notes")
REASON_MAX_LENGTH = 200


def person_erased_values(*, person_id: int, birth_year: int | None) -> dict[str, Any]:
    """The values an erased person (and each of their history rows) keeps."""
    return {
        "first_name": f"#{person_id}",
        "last_name": "",
        "email": "",
        "email_secondary": "",
        "phone": "",
        "notes": "",
        # The decade only: age bands keep counting, the exact year no longer singles anyone out.
        "birth_year": None if birth_year is None else birth_year - birth_year % 10,
    }


def _merged_into(person_id: int) -> list[int]:
    """Ids of person records merged into this one, directly or through earlier merges."""
    found: list[int] = []
    frontier = [person_id]
    while frontier:
        merged = list(
            MergeRecord.objects.filter(kind=DuplicateKind.PERSON, survivor_id__in=frontier)
            .exclude(merged_id__in=[person_id, *found])
            .values_list("merged_id", flat=True)
        )
        found.extend(merged)
        frontier = merged
    return found


def _scrub_history(person_ids: list[int]) -> int:
    """Replace the personal values in every history row of these person ids. Each row keeps
    its date, type, acting user and reason, so the record of who changed what stays."""
    history = Person.history.model
    scrubbed = 0
    for person_id in person_ids:
        rows = history.objects.filter(id=person_id)
        # One UPDATE per birth year the rows hold (one or two), so each keeps its own decade;
        # `birth_year=None` matches the rows without one.
        for year in set(rows.values_list("birth_year", flat=True)):
            values = person_erased_values(person_id=person_id, birth_year=year)
            scrubbed += rows.filter(birth_year=year).update(**values)
    return scrubbed


def _scrub_merge_snapshots(person_id: int) -> int:
    """Merge snapshots keep the merged record's fields for undoing by hand: blank the personal
    ones (the merged record was the same human)."""
    records = MergeRecord.objects.select_for_update().filter(kind=DuplicateKind.PERSON, survivor_id=person_id)
    changed = 0
    for record in records:
        fields = record.merged_snapshot.get("record", {}).get("fields", {})
        erased = person_erased_values(person_id=record.merged_id, birth_year=fields.get("birth_year"))
        fields.update({key: value for key, value in erased.items() if key in fields})
        fields.pop("normalized_name", None)
        record.save(update_fields=["merged_snapshot"])
        changed += 1
    return changed


@transaction.atomic
def person_erase(*, actor: User, person: Person, reason: str) -> PersonErasure:
    """Anonymize `person` for good (see the module's docstring for what stays). `reason` names
    the request being answered (e.g. "email of 3 March 2026"). Refused when already erased."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say which request this erasure answers (its date and how it came).")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {"reason": _("Keep the reference under %(limit)d characters.") % {"limit": REASON_MAX_LENGTH}}
        )
    locked = Person.objects.select_for_update().get(pk=person.pk)
    if PersonErasure.objects.filter(person=locked).exists():
        raise ValidationError(_("The personal data of this person was already erased."))

    merged_ids = _merged_into(locked.pk)
    scrubbed = {
        "members.HistoricalPerson": _scrub_history([locked.pk, *merged_ids]),
        "members.MergeRecord": _scrub_merge_snapshots(locked.pk),
    }

    values = person_erased_values(person_id=locked.pk, birth_year=locked.birth_year)
    for name, value in values.items():
        setattr(locked, name, value)
    # The duplicate finder groups on the normalized name: an erased person matches nobody.
    locked.normalized_name = ""
    # This save writes the history row that says who erased and when (the data is already gone).
    set_history_actor_and_reason(locked, actor=actor, reason="personal data erased")
    locked.save(update_fields=[*values, "normalized_name", "updated_at"])

    erasure = PersonErasure.objects.create(
        person=locked, erased_by=actor, erased_at=timezone.now(), reason=reason, scrubbed=scrubbed
    )
    # Other apps scrub their own free text about the person, in this transaction.
    plugins.emit("members.person_erased", person_id=locked.pk)
    return erasure
