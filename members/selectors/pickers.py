"""Reads behind the organization search picker (clac.forms.SearchPickerField): the rows a
typed text matches and how each is labelled, used by the staff forms and their JSON
endpoint alike, so a suggestion and a submitted text always find the same organizations."""

from django.db.models import Q, QuerySet

from members.models import Organization
from members.normalize import normalize_organization_name, strip_accents

__all__ = ["ORGANIZATION_PICK_LIMIT", "organization_pick_label", "organization_pick_search", "organization_pickable"]

# Suggestions shown at once: enough to tell apart cooperatives with similar names.
ORGANIZATION_PICK_LIMIT = 10


def organization_pickable() -> QuerySet[Organization]:
    """What the picker reads of an organization: its name, country code and FLO ID."""
    return Organization.objects.only("id", "name", "country_id", "flo_id", "locality")


def organization_pick_label(organization: Organization) -> str:
    """'Cooperativa Pangoa (PE) · FLO 2145': the country code and FLO ID tell apart the many
    cooperatives with the same name (no query: country_id is the code)."""
    label = f"{organization.name} ({organization.country_id})"
    return f"{label} · FLO {organization.flo_id}" if organization.flo_id else label


def organization_pick_search(queryset: QuerySet[Organization], text: str) -> QuerySet[Organization]:
    """The organizations of `queryset` that the text names, best first. A number is a FLO ID
    (exactly) or, failing that, the registry number; words match the name in any order and
    without accents ("cafe pangoa" finds "Cooperativa Agraria Cafetalera Pangoa"), or the
    locality."""
    text = text.strip()[:100]
    if not text:
        return queryset.none()
    if text.isascii() and text.isdigit() and len(text) <= 12:
        by_flo = queryset.filter(flo_id=text)
        if by_flo.exists():
            return by_flo.order_by("pk")
        return queryset.filter(pk=int(text)).order_by("pk")
    words = normalize_organization_name(text).split()
    condition = Q()
    for word in words:
        condition &= Q(normalized_name__contains=word) | Q(locality__icontains=word)
    if not words:
        condition = Q(name__icontains=strip_accents(text))
    return queryset.filter(condition).order_by("name", "pk")
