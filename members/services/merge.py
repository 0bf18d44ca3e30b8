"""Merging duplicate records: two organizations (or two people) that are the same become one.

The surviving record keeps its id and history; every row that pointed to the merged record
is moved to it. Relations are found through the model's metadata, not listed by hand, so the
relations that later modules add (network memberships, dues invoices, seats…) move too.

Where a moved row would break a unique constraint (both organizations have a 2024 yearly
report, a membership, the same person as manager), the survivor's row is kept and the merged
record's row is deleted, its values saved in the MergeRecord snapshot. Empty fields of the
survivor are filled from the merged record. Everything happens in one transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import ForeignObjectRel, Q, UniqueConstraint
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from clac import plugins
from clac.models import User
from members.merge_notes import MergeNote, merge_note
from members.models import (
    Affiliation,
    DuplicateDismissal,
    DuplicateKind,
    MergeRecord,
    Organization,
    Person,
    PersonErasure,
)
from members.normalize import normalize_organization_name, normalize_person_name
from members.services._common import set_history_actor_and_reason
from members.services.organizations import ORGANIZATION_CHANGED

__all__ = [
    "MergePreview",
    "duplicate_dismiss",
    "merge_preview",
    "merge_relations",
    "organization_merge",
    "person_merge",
]

# Never copied from the merged record: identity, bookkeeping, and derived keys (recomputed).
_NOT_FILLED = frozenset({"id", "created_at", "updated_at", "normalized_name"})


def _is_history_model(model: type[models.Model]) -> bool:
    # simple_history's historical models carry `instance_type`; their rows are the past and
    # keep pointing at the id they recorded.
    return hasattr(model, "instance_type")


def _has_history(model: type[models.Model]) -> bool:
    return hasattr(model._meta, "simple_history_manager_attribute")


def merge_relations(model: type[models.Model]) -> list[tuple[type[models.Model], models.ForeignObject]]:
    """Every (model, foreign key) that points to `model`: reverse foreign keys and one-to-ones,
    and the through tables of many-to-many relations in both directions (their foreign keys
    appear here as hidden reverse relations). Historical tables are left out."""
    found: dict[tuple[str, str], tuple[type[models.Model], models.ForeignObject]] = {}
    for relation in model._meta.get_fields(include_hidden=True):
        if not isinstance(relation, ForeignObjectRel) or relation.many_to_many:
            continue
        related_model = relation.related_model
        if _is_history_model(related_model):
            continue
        key = (related_model._meta.label, relation.field.name)
        found.setdefault(key, (related_model, relation.field))
    return sorted(found.values(), key=lambda item: (item[0]._meta.label, item[1].name))


def _unique_sets(model: type[models.Model]) -> list[tuple[tuple[str, ...], Q | None]]:
    """The model's unique field sets with their conditions (partial unique constraints)."""
    sets: list[tuple[tuple[str, ...], Q | None]] = []
    for field in model._meta.concrete_fields:
        if field.unique and not field.primary_key:
            sets.append(((field.name,), None))
    for together in model._meta.unique_together:
        sets.append((tuple(together), None))
    for constraint in model._meta.constraints:
        if isinstance(constraint, UniqueConstraint) and constraint.fields:
            sets.append((tuple(constraint.fields), constraint.condition))
    return sets


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _serialize(objs: list[models.Model]) -> list[dict]:
    return _json([{"pk": item["pk"], "fields": item["fields"]} for item in serializers.serialize("python", objs)])


def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _move_relation(
    *,
    related_model: type[models.Model],
    field: models.ForeignObject,
    survivor: models.Model,
    merged: models.Model,
    actor: User | None,
    reason: str,
) -> tuple[int, list[dict]]:
    """Point the rows of one relation at the survivor. Returns (rows moved, snapshot of the
    rows dropped because the survivor already had their unique counterpart)."""
    manager = related_model._base_manager
    rows = manager.filter(**{field.attname: merged.pk})
    if related_model is type(survivor):
        # A self reference (a union's member cooperatives): the survivor itself is handled
        # by the caller, never made its own parent.
        rows = rows.exclude(pk=survivor.pk)
    if not rows.exists():
        return 0, []

    clashing: set[Any] = set()
    for fields, condition in _unique_sets(related_model):
        if field.name not in fields:
            continue
        others = [name for name in fields if name != field.name]
        condition = condition or Q()
        survivor_rows = manager.filter(condition, **{field.attname: survivor.pk})
        merged_rows = rows.filter(condition)
        if not others:
            if survivor_rows.exists():
                clashing.update(merged_rows.values_list("pk", flat=True))
            continue
        taken = set(survivor_rows.values_list(*others))
        for pk, *key in merged_rows.values_list("pk", *others):
            if tuple(key) in taken:
                clashing.add(pk)

    dropped: list[dict] = []
    if clashing:
        victims = list(manager.filter(pk__in=clashing).order_by("pk"))
        dropped = _serialize(victims)
        for victim in victims:
            # One by one so each deletion (and its cascade) is recorded under the actor.
            set_history_actor_and_reason(victim, actor=actor, reason=reason)
            victim.delete()

    movable = rows.exclude(pk__in=clashing)
    if _has_history(related_model):
        objs = list(movable)
        stamped = [
            f.attname for f in related_model._meta.concrete_fields if getattr(f, "auto_now", False)
        ]  # bulk_update does not run auto_now
        now = timezone.now()
        for obj in objs:
            setattr(obj, field.attname, survivor.pk)
            for name in stamped:
                setattr(obj, name, now)
        if objs:
            bulk_update_with_history(
                objs,
                related_model,
                [field.name, *stamped],
                default_user=actor if getattr(actor, "pk", None) is not None else None,
                default_change_reason=reason,
            )
        moved = len(objs)
    else:
        moved = movable.update(**{field.attname: survivor.pk})
    return moved, dropped


def _would_cycle(model: type[models.Model], field: models.Field, start: models.Model) -> bool:
    """Whether following `field` upwards from `start` comes back to it."""
    seen = {start.pk}
    current = getattr(start, field.attname)
    while current is not None:
        if current in seen:
            return True
        seen.add(current)
        current = model._base_manager.filter(pk=current).values_list(field.attname, flat=True).first()
    return False


def _merge(
    *, actor: User | None, survivor: models.Model, merged: models.Model, kind: str, fill_extra=None, after=None
) -> MergeRecord:
    model = type(survivor)
    if type(merged) is not model:
        raise ValidationError(_("Only two records of the same kind can be merged."))
    if survivor.pk is None or merged.pk is None or survivor.pk == merged.pk:
        raise ValidationError(_("Choose two different records to merge."))
    # Lock both rows, lowest id first so two merges of the same pair cannot deadlock.
    rows = model._base_manager.select_for_update().filter(pk__in=[survivor.pk, merged.pk]).order_by("pk")
    locked = {obj.pk: obj for obj in rows}
    if len(locked) != 2:
        raise ValidationError(_("One of the two records no longer exists (it may have been merged already)."))
    survivor, merged = locked[survivor.pk], locked[merged.pk]
    reason = f"merged #{merged.pk} into #{survivor.pk}"
    snapshot: dict[str, Any] = {"record": _serialize([merged])[0], "dropped": {}}

    moved: dict[str, int] = {}
    notes: list[MergeNote] = []
    for related_model, fk in merge_relations(model):
        count, dropped = _move_relation(
            related_model=related_model, field=fk, survivor=survivor, merged=merged, actor=actor, reason=reason
        )
        label = f"{related_model._meta.label}.{fk.name}"
        if count:
            moved[label] = count
            notes.append(merge_note("moved", relation=label, count=count))
        if dropped:
            snapshot["dropped"][label] = dropped
            notes.append(merge_note("dropped", relation=label, count=len(dropped)))

    # The survivor's own references to the merged record (it was a member of the union it is
    # merged with): take over the merged record's reference instead, unless that loops back.
    changed: list[str] = []
    for field in model._meta.concrete_fields:
        if field.is_relation and field.related_model is model and getattr(survivor, field.attname) == merged.pk:
            replacement = getattr(merged, field.attname)
            setattr(survivor, field.attname, None if replacement == survivor.pk else replacement)
            changed.append(field.name)

    repointed = set(changed)
    for field in model._meta.concrete_fields:
        if field.primary_key or field.generated or field.name in _NOT_FILLED or field.name in changed:
            continue
        mine, theirs = getattr(survivor, field.attname), getattr(merged, field.attname)
        if _is_empty(mine) and not _is_empty(theirs):
            if field.is_relation and field.related_model is model and theirs == survivor.pk:
                continue
            setattr(survivor, field.attname, theirs)
            changed.append(field.name)
    filled = [name for name in changed if name not in repointed]
    if fill_extra is not None:
        extra, extra_notes = fill_extra(survivor, merged)
        changed.extend(extra)
        notes.extend(extra_notes)
    if filled:
        notes.append(merge_note("filled", model=model._meta.label, fields=sorted(set(filled))))
    for field in model._meta.concrete_fields:
        # A parent taken over from the merged record must not make the survivor its own ancestor.
        if field.is_relation and field.related_model is model and _would_cycle(model, field, survivor):
            setattr(survivor, field.attname, None)
            changed.append(field.name)

    # The merged row goes before the survivor is saved: a unique value it held (a FLO ID)
    # may now move to the survivor.
    set_history_actor_and_reason(merged, actor=actor, reason=reason)
    merged_pk = merged.pk
    merged.delete()

    set_history_actor_and_reason(survivor, actor=actor, reason=reason)
    update_fields = sorted(set(changed))
    if hasattr(survivor, "normalized_name"):
        update_fields.append("normalized_name")
    if hasattr(survivor, "updated_at"):
        update_fields.append("updated_at")
    # Always saved, even with nothing filled: the survivor's history then shows the merge.
    survivor.save(update_fields=update_fields)
    if after is not None:
        notes.extend(after(survivor, reason))

    return MergeRecord.objects.create(
        kind=kind,
        survivor_id=survivor.pk,
        merged_id=merged_pk,
        merged_snapshot=snapshot,
        moved=moved,
        notes=notes,
        actor=actor if getattr(actor, "pk", None) is not None else None,
    )


def _one_primary_per_organization(
    *, organization_ids: set[int], preferred: set[int], actor: User | None, reason: str
) -> list[MergeNote]:
    """After a merge an organization may have two primary contacts (each record had its own,
    or the same person was there twice as two records): one stays primary — one the record
    that stays had before the merge (`preferred` affiliation ids), else the oldest — and the
    others are demoted, each change in the history and in the merge notes."""
    primaries = (
        Affiliation.objects.select_for_update()
        .filter(organization_id__in=organization_ids, is_primary=True, end_date__isnull=True)
        .select_related("person", "organization")
        .order_by("organization_id", "pk")
    )
    by_organization: dict[int, list[Affiliation]] = {}
    for affiliation in primaries:
        by_organization.setdefault(affiliation.organization_id, []).append(affiliation)
    notes: list[MergeNote] = []
    for affiliations in by_organization.values():
        if len(affiliations) < 2:
            continue
        kept = min(affiliations, key=lambda a: (a.pk not in preferred, a.pk))
        for other in affiliations:
            if other is kept:
                continue
            other.is_primary = False
            set_history_actor_and_reason(other, actor=actor, reason=reason)
            other.save(update_fields=["is_primary", "updated_at"])
            notes.append(
                merge_note(
                    "primary_demoted",
                    organization=other.organization.name,
                    kept=str(kept.person),
                    kept_role=kept.role,
                    person=str(other.person),
                    role=other.role,
                )
            )
    return notes


@transaction.atomic
def organization_merge(*, actor: User | None, survivor: Organization, merged: Organization) -> MergeRecord:
    """Fold `merged` into `survivor` (see the module docstring)."""

    def fill(survivor: Organization, merged: Organization) -> tuple[list[str], list[MergeNote]]:
        survivor.normalized_name = normalize_organization_name(survivor.name)
        return [], []

    # The survivor's own primary contact stays primary (read before its rows change).
    preferred = set(Affiliation.objects.filter(organization_id=survivor.pk).values_list("pk", flat=True))

    def after(survivor: Organization, reason: str) -> list[MergeNote]:
        return _one_primary_per_organization(
            organization_ids={survivor.pk}, preferred=preferred, actor=actor, reason=reason
        )

    record = _merge(
        actor=actor,
        survivor=survivor,
        merged=merged,
        kind=DuplicateKind.ORGANIZATION,
        fill_extra=fill,
        after=after,
    )
    # The survivor took over the merged record's products and relations (network memberships
    # among them): the listening apps bring what depends on them up to date.
    plugins.emit(ORGANIZATION_CHANGED, organization_id=record.survivor_id)
    return record


@transaction.atomic
def person_merge(*, actor: User | None, survivor: Person, merged: Person) -> MergeRecord:
    """Fold `merged` into `survivor`; the merged person's email is kept as the survivor's
    second email when they differ. An erased person is merged with nobody: the erasure is the
    evidence for that person, and a merge would fold someone else's data into it."""
    if PersonErasure.objects.filter(person_id__in=[survivor.pk, merged.pk]).exists():
        raise ValidationError(_("A person whose personal data was erased cannot be merged."))

    def fill(survivor: Person, merged: Person) -> tuple[list[str], list[MergeNote]]:
        survivor.normalized_name = normalize_person_name(survivor.first_name, survivor.last_name)
        if (
            merged.email
            and survivor.email
            and merged.email.lower() != survivor.email.lower()
            and not survivor.email_secondary
        ):
            survivor.email_secondary = merged.email.lower()
            return ["email_secondary"], [merge_note("secondary_email", email=survivor.email_secondary)]
        return [], []

    # The survivor's own affiliations keep their primary flag over the merged person's.
    preferred = set(Affiliation.objects.filter(person_id=survivor.pk).values_list("pk", flat=True))

    def after(survivor: Person, reason: str) -> list[MergeNote]:
        organizations = set(
            Affiliation.objects.filter(person_id=survivor.pk, end_date__isnull=True).values_list(
                "organization_id", flat=True
            )
        )
        return _one_primary_per_organization(
            organization_ids=organizations, preferred=preferred, actor=actor, reason=reason
        )

    return _merge(
        actor=actor, survivor=survivor, merged=merged, kind=DuplicateKind.PERSON, fill_extra=fill, after=after
    )


class _DryRun(Exception):
    """Raised inside merge_preview's transaction to roll the merge back."""


@dataclass
class MergePreview:
    """What a merge would do, found by doing it and rolling it back: the confirmation page
    shows exactly what the merge will do, not an estimate."""

    notes: list[MergeNote]
    moved: dict[str, int]
    dropped: dict[str, int]


def merge_preview(*, actor: User | None, survivor: models.Model, merged: models.Model) -> MergePreview:
    """Run the merge in a savepoint and roll it back. Refusals (ValidationError) come out as
    from the merge itself."""
    merge = organization_merge if isinstance(survivor, Organization) else person_merge
    preview: MergePreview | None = None
    try:
        with transaction.atomic():
            record = merge(actor=actor, survivor=survivor, merged=merged)  # type: ignore[arg-type]
            dropped = {label: len(rows) for label, rows in record.merged_snapshot.get("dropped", {}).items()}
            preview = MergePreview(notes=record.notes, moved=dict(record.moved), dropped=dropped)
            raise _DryRun
    except _DryRun:
        pass
    assert preview is not None
    return preview


@transaction.atomic
def duplicate_dismiss(*, actor: User | None, kind: str, first_id: int, second_id: int) -> DuplicateDismissal:
    """Staff say the two records are different: the finder stops proposing the pair."""
    if kind not in DuplicateKind.values:
        raise ValidationError(_("Unknown kind of record."))
    if first_id == second_id:
        raise ValidationError(_("Choose two different records."))
    low, high = sorted((first_id, second_id))
    dismissal, _created = DuplicateDismissal.objects.get_or_create(
        kind=kind,
        first_id=low,
        second_id=high,
        defaults={"dismissed_by": actor if getattr(actor, "pk", None) is not None else None},
    )
    return dismissal
