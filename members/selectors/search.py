"""One search behaviour for the registry: the staff registry list, the people directory and
the API's `search` filters all go through these helpers, so a query finds the same rows
everywhere. Accents and case are ignored on both sides ("Asociacion" finds "Asociación"),
and every word of the query must appear somewhere, in any order ("cafe pangoa" finds
"Cooperativa Agraria Cafetalera Pangoa")."""

import re

from django.db.models import CharField, Func, Q, QuerySet

from members import rules
from members.models import Organization, Person
from members.normalize import normalize_email, strip_accents

__all__ = ["Unaccent", "organization_search", "person_search", "search_words"]

_NON_WORD = re.compile(r"[^a-z0-9]+")
# "+51 987 654 321", "987-654-321", "(01) 555 1234": a phone search, not a name search.
_PHONE_QUERY = re.compile(r"^\+?[\d\s().-]{4,}$")


class Unaccent(Func):
    """unaccent() of PostgreSQL's unaccent extension (migration 0006); on SQLite, the demo's
    database, the same name is a Python function registered on every connection
    (members.apps), which strips accents like members.normalize.strip_accents. (The
    organization search reads Organization.search_text, folded by the database on write.)"""

    function = "unaccent"
    output_field = CharField()


def search_words(query: str) -> list[str]:
    """'  Café  Pangoa, Ltda.' → ['cafe', 'pangoa', 'ltda']: accent-free lower-case words, split
    like members.normalize splits the stored names."""
    return _NON_WORD.sub(" ", strip_accents(query).lower()).split()


def organization_search(queryset: QuerySet[Organization], query: str) -> QuerySet[Organization]:
    """Organizations whose name, legal name, locality or FLO ID hold every word of the query.
    They are read from Organization.search_text, the accent-free lower-case copy of those four
    fields the database keeps (a generated column), so a search scans one short column instead
    of folding every row's text (ADR speed-search-column); the page and the export then paginate
    or stream the result."""
    words = search_words(query)
    if not words:
        return queryset
    condition = Q()
    for word in words:
        condition &= Q(search_text__contains=word)
    return queryset.filter(condition)


def person_search(queryset: QuerySet[Person], query: str) -> QuerySet[Person]:
    """People by name (every word, any order, accents ignored), email (either address, case
    ignored) or phone (the digits, so "987 654 321" finds "+51987654321")."""
    query = query.strip()
    if not query:
        return queryset
    if "@" in query:
        email = normalize_email(query)
        return queryset.filter(Q(email__icontains=email) | Q(email_secondary__icontains=email))
    if _PHONE_QUERY.match(query):
        digits = rules.phone_normalize(query).lstrip("+")
        return queryset.filter(phone__contains=digits)
    words = search_words(query)
    if not words:
        return queryset
    # normalized_name is the accent-free "last first" kept by the people services, so it needs
    # no unaccent() and its index serves prefix scans.
    condition = Q()
    for word in words:
        condition &= Q(normalized_name__contains=word)
    return queryset.filter(condition | Q(email__icontains=normalize_email(query)))
