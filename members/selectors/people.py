"""Reads of people: the staff directory and the access helper for one person."""

import datetime
from typing import TYPE_CHECKING, Any, cast

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404

from members.models import Affiliation, Consent, Organization, Person
from members.selectors.access import access_scope, require_change
from members.selectors.search import person_search

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = [
    "affiliation_get_for_user",
    "consents_by_channel",
    "person_affiliations",
    "person_get_for_user",
    "person_list",
]


def person_list(*, filters: dict[str, Any] | None = None) -> QuerySet[Person]:
    """The staff people directory. Filters: q (name, email or phone), country (of a current
    organization), role (a current role), language, has_email ("yes"/"no"). Each row carries
    `current_affiliations` with their organization, in one extra query for the whole page."""
    filters = filters or {}
    queryset = Person.objects.all()
    queryset = person_search(queryset, filters.get("q") or "")

    country = filters.get("country")
    role = filters.get("role")
    if country or role:
        # Exists keeps one row per person (a join would repeat people with several roles),
        # and country and role must hold for the same current affiliation.
        current = Affiliation.objects.filter(person=OuterRef("pk"), end_date__isnull=True)
        if country:
            current = current.filter(organization__country=country)
        if role:
            current = current.filter(role=role)
        queryset = queryset.filter(Exists(current))
    if filters.get("language"):
        queryset = queryset.filter(preferred_language=filters["language"])
    has_email = filters.get("has_email")
    if has_email == "yes":
        queryset = queryset.exclude(email="")
    elif has_email == "no":
        queryset = queryset.filter(email="")

    return queryset.prefetch_related(
        Prefetch(
            "affiliations",
            # The country too: the people export names it (a join, no extra query).
            queryset=Affiliation.objects.filter(end_date__isnull=True)
            .select_related("organization", "organization__country")
            .order_by("-is_primary", "organization__name", "role"),
            to_attr="current_affiliations",
        )
    ).order_by("last_name", "first_name", "id")


def person_get_for_user(*, user, pk: int, organization: Organization | None = None, for_change: bool = False) -> Person:
    """One person for a staff member (any person) or, in the portal, a person who currently
    serves `organization`; 404 for everyone else, so the page does not reveal who is in the
    registry. `for_change`: 403 unless the user may change them. Rules in
    members.selectors.access."""
    scope = access_scope(user=user, organization=organization)
    found = Person.objects.filter(pk=pk)
    if scope is not None:
        found = found.filter(
            Exists(Affiliation.objects.filter(person=OuterRef("pk"), organization=scope, end_date__isnull=True))
        )
    person = found.first()
    if person is None:
        raise Http404
    if for_change:
        require_change(user, scope=scope, record_organization=None, person=person)
    return person


def person_affiliations(*, person: Person) -> list[Affiliation]:
    """Current affiliations first (primary first), then past ones, most recently ended first."""
    affiliations = list(person.affiliations.select_related("organization", "organization__country"))
    current = sorted(
        (a for a in affiliations if a.end_date is None),
        key=lambda a: (not a.is_primary, a.organization.name.lower(), a.role),
    )
    past = sorted(
        (a for a in affiliations if a.end_date is not None),
        key=lambda a: cast(datetime.date, a.end_date),  # only ended ones: never None
        reverse=True,
    )
    return current + past


def consents_by_channel(*, person: Person) -> list[tuple[str, "StrOrPromise", Consent | None]]:
    """(channel, label, consent or None) for every channel, in the channels' order."""
    consents = {c.channel: c for c in person.consents.select_related("recorded_by")}
    return [(value, label, consents.get(value)) for value, label in Consent.Channel.choices]


def affiliation_get_for_user(
    *, user, pk: int, organization: Organization | None = None, for_change: bool = False
) -> Affiliation:
    """One affiliation for a staff member (any) or, in the portal, one of `organization`'s
    (current or past); 404 for everyone else. `for_change`: 403 unless the user may change the
    affiliation's organization. Rules in members.selectors.access."""
    scope = access_scope(user=user, organization=organization)
    found = Affiliation.objects.select_related("person", "organization").filter(pk=pk)
    if scope is not None:
        found = found.filter(organization=scope)
    affiliation = found.first()
    if affiliation is None:
        raise Http404
    if for_change:
        require_change(user, scope=scope, record_organization=affiliation.organization)
    return affiliation


# --- Staff API ------------------------------------------------------------------------------

__all__ += [
    "affiliation_staff_list",
    "affiliation_staff_reload",
    "person_staff_detail",
    "person_staff_list",
    "person_staff_reload",
]


def _current_affiliations() -> Prefetch:
    return Prefetch(
        "affiliations",
        queryset=Affiliation.objects.filter(end_date__isnull=True).select_related("organization"),
        to_attr="current_affiliations",
    )


def person_staff_list() -> QuerySet[Person]:
    """People for the staff API, each carrying `current_affiliations`: two queries per page."""
    return Person.objects.prefetch_related(_current_affiliations())


def person_staff_detail(*, person: Person) -> Person:
    """Loads `current_affiliations` onto a person from person_get_for_user."""
    prefetch_related_objects([person], _current_affiliations())
    return person


def person_staff_reload(*, person: Person) -> Person:
    """A fresh copy of a person a service just wrote, with `current_affiliations`."""
    return person_staff_list().get(pk=person.pk)


def affiliation_staff_list() -> QuerySet[Affiliation]:
    return Affiliation.objects.select_related("person", "organization")


def affiliation_staff_reload(*, affiliation: Affiliation) -> Affiliation:
    """A fresh copy of an affiliation a service just wrote, with its person and organization."""
    return affiliation_staff_list().get(pk=affiliation.pk)
