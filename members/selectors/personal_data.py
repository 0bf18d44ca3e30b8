"""What the registry holds about one person, gathered for a personal-data request (the right of
access): the profile, their roles in organizations, their consent answers, every history entry
of those records and any other record of any app that points at them.

The same dictionary is the JSON download and the readable page (printable to PDF), so the two
never disagree. Values are JSON-ready (dates as ISO strings)."""

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from members.models import Affiliation, Consent, MergeRecord, Person, PersonErasure

__all__ = ["PERSON_PERSONAL_FIELDS", "person_data_export", "person_erasure"]

# The person's own fields in the export, in reading order.
PERSON_PERSONAL_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "email_secondary",
    "phone",
    "preferred_language",
    "gender",
    "birth_year",
    "notes",
)
# Relations shown in their own sections; every other reverse relation lands in "other records".
_OWN_SECTIONS = frozenset({Affiliation, Consent, PersonErasure})
# History bookkeeping columns kept in each history entry.
_HISTORY_COLUMNS = ("history_id", "history_date", "history_type", "history_user_id", "history_change_reason")
# A safety cap on "other records" of one kind: a person with more is a data problem to look at.
OTHER_RECORDS_LIMIT = 500


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _history(model: type[models.Model], **lookup: Any) -> list[dict[str, Any]]:
    history_model = model.history.model  # type: ignore[attr-defined]
    data_columns = [f.attname for f in model._meta.concrete_fields if f.attname not in {"normalized_name"}]
    rows = history_model.objects.filter(**lookup).order_by("history_date", "history_id")
    return [
        {
            "when": row["history_date"],
            "action": {"+": "created", "~": "changed", "-": "deleted"}.get(row["history_type"], row["history_type"]),
            "by_user_id": row["history_user_id"],
            "reason": row["history_change_reason"] or "",
            "values": {column: row[column] for column in data_columns},
        }
        for row in rows.values(*_HISTORY_COLUMNS, *data_columns)
    ]


def _other_records(person: Person) -> list[dict[str, Any]]:
    """Rows of other tables (other apps too: seats, delegations, meeting attendance…) that point
    at the person, found through Django's relation registry so the registry imports no app."""
    found: list[dict[str, Any]] = []
    for relation in Person._meta.related_objects:
        related_model = relation.related_model
        if relation.many_to_many or related_model in _OWN_SECTIONS or hasattr(related_model, "instance_type"):
            continue  # many-to-many via their through tables below; history tables are the past
        assert isinstance(related_model, type)
        rows = related_model._default_manager.filter(**{relation.field.name: person}).order_by("pk")
        for row in rows[:OTHER_RECORDS_LIMIT]:
            found.append(
                {
                    "kind": str(related_model._meta.verbose_name),
                    "table": related_model._meta.label,
                    "id": row.pk,
                    "description": str(row),
                }
            )
    return found


def person_erasure(*, person: Person) -> PersonErasure | None:
    return PersonErasure.objects.select_related("erased_by").filter(person=person).first()


def person_data_export(*, person: Person) -> dict[str, Any]:
    """Everything held about `person`, for the person themselves (a JSON download and a page)."""
    affiliations = (
        Affiliation.objects.filter(person=person)
        .select_related("organization", "organization__country")
        .order_by("start_date", "id")
    )
    consents = Consent.objects.filter(person=person).select_related("recorded_by").order_by("channel")
    merged_ids = list(
        MergeRecord.objects.filter(kind="person", survivor_id=person.pk).values_list("merged_id", flat=True)
    )
    erasure = person_erasure(person=person)
    data = {
        "exported_at": timezone.now(),
        "person": {
            "id": person.pk,
            **{name: getattr(person, name) for name in PERSON_PERSONAL_FIELDS},
            "created_at": person.created_at,
            "updated_at": person.updated_at,
        },
        "affiliations": [
            {
                "organization_id": a.organization_id,
                "organization": a.organization.name,
                "country": a.organization.country.name,
                "role": a.role,
                "role_label": str(a.get_role_display()),
                "start_date": a.start_date,
                "end_date": a.end_date,
                "is_primary": a.is_primary,
            }
            for a in affiliations
        ],
        "consents": [
            {
                "channel": c.channel,
                "channel_label": str(c.get_channel_display()),
                "granted": c.granted,
                "given_at": c.given_at,
                "method": c.method,
                "method_label": str(c.get_method_display()),
                "recorded_by": str(c.recorded_by) if c.recorded_by else "",
            }
            for c in consents
        ],
        "history": {
            # Records merged into this person earlier were the same human: their history too.
            "person": _history(Person, id__in=[person.pk, *merged_ids]),
            "consents": _history(Consent, person_id=person.pk),
            "affiliations": _history(Affiliation, person_id=person.pk),
        },
        "other_records": _other_records(person),
        "erasure": (
            {
                "erased_at": erasure.erased_at,
                "erased_by": str(erasure.erased_by) if erasure.erased_by else "",
                "reason": erasure.reason,
            }
            if erasure is not None
            else None
        ),
    }
    return _json(data)
