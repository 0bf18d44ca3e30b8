"""Finding likely duplicate organizations and people (reads only; merging is in
members.services.merge).

Each rule groups a normalized key in the database (GROUP BY key HAVING more than one record)
and reads back the ids of each group: the database groups equal keys with one pass over an index or a hash, instead
of comparing every record with every other, so the page stays fast at 100,000 people.

Rules:
- organizations: the same FLO ID; the same tax id in the same country; the same normalized
  name in the same country;
- people: the same email (case-insensitive); the same phone; the same normalized name among
  the people of one organization (through their affiliations).

Pairs that staff dismissed (DuplicateDismissal) are not proposed again. Groups with the same
records found by several rules are shown once, with all their reasons."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import combinations

from django.db.models import Count, F, Max, Min, Prefetch, QuerySet
from django.db.models.functions import Lower
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from members.models import Affiliation, DuplicateDismissal, DuplicateKind, Organization, Person
from members.services.merge import merge_relations

REASONS = {
    "flo_id": _("same FLO ID"),
    "tax_id": _("same tax id in the same country"),
    "name": _("same name in the same country"),
    "email": _("same email"),
    "phone": _("same phone"),
    "name_in_organization": _("same name in the same organization"),
}


@dataclass
class DuplicateGroup:
    kind: str
    ids: tuple[int, ...]
    reasons: list[str] = field(default_factory=list)
    # The pairs staff can compare (every pair of the group that was not dismissed).
    pairs: list[tuple[int, int]] = field(default_factory=list)
    # Filled for the page being shown.
    records: list = field(default_factory=list)

    @property
    def reason_labels(self) -> list:
        return [REASONS[r] for r in self.reasons]


def _grouped(queryset: QuerySet, *keys, member: str = "id") -> list[tuple[int, ...]]:
    """The groups of `member` ids that share the values of `keys` (field names or expressions).

    The database groups the keys (GROUP BY keys HAVING MIN(id) < MAX(id): "at least two different
    records", without a COUNT(DISTINCT …) that would force a sort of the whole table), then the
    members of those groups are read back: in the same query for a one-column key, with a second
    query for a two-column key."""
    names = [f"duplicate_key_{index}" for index in range(len(keys))]
    keyed = queryset.annotate(
        **{name: F(key) if isinstance(key, str) else key for name, key in zip(names, keys, strict=True)}
    )
    duplicated = keyed.values(*names).annotate(low=Min(member), high=Max(member)).filter(low__lt=F("high")).order_by()
    if len(names) == 1:
        rows = keyed.filter(**{f"{names[0]}__in": duplicated.values(names[0])}).order_by().values_list(*names, member)
    else:
        wanted = set(duplicated.values_list(*names))
        if not wanted:
            return []
        narrowed = keyed.filter(**{f"{name}__in": {key[i] for key in wanted} for i, name in enumerate(names)})
        rows = (row for row in narrowed.order_by().values_list(*names, member) if row[:-1] in wanted)
    groups: dict[tuple, set[int]] = defaultdict(set)
    for *key, pk in rows:
        groups[tuple(key)].add(pk)
    return [tuple(sorted(ids)) for ids in groups.values() if len(ids) > 1]


def _collect(kind: str, found: list[tuple[str, list[tuple[int, ...]]]]) -> list[DuplicateGroup]:
    """Merge groups found by several rules, drop dismissed pairs (and groups left with none)."""
    groups: dict[tuple[int, ...], DuplicateGroup] = {}
    for reason, id_sets in found:
        for ids in id_sets:
            group = groups.get(ids)
            if group is None:
                group = groups[ids] = DuplicateGroup(kind=kind, ids=ids)
            if reason not in group.reasons:
                group.reasons.append(reason)
    if not groups:
        return []
    all_ids = {i for ids in groups for i in ids}
    dismissed = set(
        DuplicateDismissal.objects.filter(kind=kind, first_id__in=all_ids, second_id__in=all_ids).values_list(
            "first_id", "second_id"
        )
    )
    result = []
    for group in groups.values():
        group.pairs = [pair for pair in combinations(group.ids, 2) if pair not in dismissed]
        if group.pairs:
            result.append(group)
    # Newest duplicates first: they are usually the ones an import or a form just created.
    result.sort(key=lambda g: (-max(g.ids), g.ids))
    return result


def organization_duplicate_groups() -> list[DuplicateGroup]:
    organizations = Organization.objects.all()
    return _collect(
        DuplicateKind.ORGANIZATION,
        [
            ("flo_id", _grouped(organizations.exclude(flo_id=""), "flo_id")),
            ("tax_id", _grouped(organizations.exclude(tax_id=""), "country_id", "tax_id")),
            ("name", _grouped(organizations.exclude(normalized_name=""), "country_id", "normalized_name")),
        ],
    )


def person_duplicate_groups() -> list[DuplicateGroup]:
    people = Person.objects.all()
    return _collect(
        DuplicateKind.PERSON,
        [
            ("email", _grouped(people.exclude(email=""), Lower("email"))),
            ("phone", _grouped(people.exclude(phone=""), "phone")),
            (
                "name_in_organization",
                _grouped(
                    Affiliation.objects.exclude(person__normalized_name=""),
                    "organization_id",
                    "person__normalized_name",
                    member="person_id",
                ),
            ),
        ],
    )


def duplicate_groups(kind: str) -> list[DuplicateGroup]:
    if kind == DuplicateKind.ORGANIZATION:
        return organization_duplicate_groups()
    if kind == DuplicateKind.PERSON:
        return person_duplicate_groups()
    raise ValueError(f"Unknown duplicate kind {kind!r}")


def duplicate_groups_fill(groups: list[DuplicateGroup]) -> None:
    """Load the records of the groups shown (one page), in one or two queries."""
    if not groups:
        return
    kind = groups[0].kind
    ids = {i for group in groups for i in group.ids}
    records: Iterable[Organization | Person]
    if kind == DuplicateKind.ORGANIZATION:
        records = Organization.objects.filter(pk__in=ids).select_related("country", "membership")
    else:
        records = Person.objects.filter(pk__in=ids).prefetch_related(
            Prefetch(
                "affiliations",
                queryset=Affiliation.objects.filter(end_date__isnull=True).select_related("organization"),
                to_attr="current_affiliations",
            )
        )
    by_id = {record.pk: record for record in records}
    for group in groups:
        group.records = [by_id[i] for i in group.ids if i in by_id]


def duplicate_pair_get(*, kind: str, first_id: int, second_id: int) -> tuple:
    """The two records of a pair; 404 when either is gone (merged meanwhile)."""
    queryset: QuerySet[Organization] | QuerySet[Person]
    if kind == DuplicateKind.ORGANIZATION:
        queryset = Organization.objects.select_related("country", "parent", "membership")
    elif kind == DuplicateKind.PERSON:
        queryset = Person.objects.all()
    else:
        raise Http404
    if first_id == second_id:
        raise Http404
    return get_object_or_404(queryset, pk=first_id), get_object_or_404(queryset, pk=second_id)


def relation_counts(records: list) -> list[tuple[str, list[int]]]:
    """For the comparison page: how many rows of each relation point to each record (what a
    merge moves), one query per relation."""
    if not records:
        return []
    model = type(records[0])
    ids = [r.pk for r in records]
    counts = []
    for related_model, fk in merge_relations(model):
        found = dict(
            related_model._base_manager.filter(**{f"{fk.attname}__in": ids})
            .values(fk.attname)
            .annotate(n=Count("pk"))
            .order_by()
            .values_list(fk.attname, "n")
        )
        if not found:
            continue
        if related_model._meta.auto_created:
            # A many-to-many table (organization ↔ products): name it after the other side.
            other = next(f for f in related_model._meta.concrete_fields if f.is_relation and f.name != fk.name)
            assert other.related_model is not None  # a relation field always has one
            label = str(other.related_model._meta.verbose_name_plural)
        elif related_model is model:
            label = f"{related_model._meta.verbose_name_plural} ({fk.verbose_name})"
        else:
            label = str(related_model._meta.verbose_name_plural)
        counts.append((label, [found.get(i, 0) for i in ids]))
    return counts
