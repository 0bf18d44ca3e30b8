"""Reads of the partner directory: the public facts of current members and, for keys that
may see personal data, their consented contacts."""

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet, StringAgg, Subquery, Value
from django.db.models.functions import Concat
from django.http import Http404

from members.models import Affiliation, Certification, Consent, Membership, Organization

__all__ = [
    "DIRECTORY_MEMBERSHIP_STATUSES",
    "DIRECTORY_VALUES",
    "directory_organization_contacts",
    "directory_organization_list",
    "directory_organization_row",
]

# Who the public directory shows: current members. Applicants, withdrawn and expelled
# organizations are not CLAC members and stay out of what partners see.
DIRECTORY_MEMBERSHIP_STATUSES = (Membership.Status.ACTIVE, Membership.Status.SUSPENDED)

# The columns of a directory row: directory_organization_list().values(*DIRECTORY_VALUES).
DIRECTORY_VALUES = (
    "id",
    "name",
    "kind",
    "country_id",
    "country__name",
    "region",
    "locality",
    "flo_id",
    "founding_year",
    "website",
    "membership__status",
    "product_codes",
    "certification_pairs",
)

PHONE_CHANNELS = (Consent.Channel.PHONE, Consent.Channel.SMS, Consent.Channel.WHATSAPP)


def directory_organization_list() -> QuerySet[Organization]:
    """Current members, each row carrying its product codes and certifications as short
    aggregated strings: the directory's page is one query, not one per relation. (The strings
    are sorted in Python: SQLite before 3.44, the demo's database, cannot order inside an
    aggregate.)"""
    product_codes = (
        Organization.products.through.objects.filter(organization_id=OuterRef("pk"))
        .values("organization_id")
        .annotate(codes=StringAgg("product__code", Value(",")))
        # django-stubs does not see annotations on an auto-created through model.
        .values("codes")  # type: ignore[misc]
    )
    certification_pairs = (
        Certification.objects.filter(organization_id=OuterRef("pk"))
        .values("organization_id")
        .annotate(pairs=StringAgg(Concat("standard", Value(":"), "status"), Value(",")))
        .values("pairs")
    )
    return Organization.objects.filter(membership__status__in=DIRECTORY_MEMBERSHIP_STATUSES).annotate(
        product_codes=Subquery(product_codes), certification_pairs=Subquery(certification_pairs)
    )


def _row_or_404[Row](rows: QuerySet[Organization, Row], *, pk: int) -> Row:
    """get_object_or_404 for a .values() queryset, which django-stubs types for model rows only."""
    try:
        return rows.get(pk=pk)
    except Organization.DoesNotExist:
        raise Http404("No Organization matches the given query.") from None


def directory_organization_row(*, pk: int) -> dict[str, Any]:
    """One directory row (DIRECTORY_VALUES); 404 for an organization the directory does not show."""
    return _row_or_404(directory_organization_list().values(*DIRECTORY_VALUES), pk=pk)


def directory_organization_contacts(*, pk: int) -> list[dict[str, Any]]:
    """Current contacts of a directory organization, with contact data only where consented.
    404 for an organization the directory does not show: applicants and former members stay
    private. Two queries, whatever the number of people."""
    organization = _row_or_404(directory_organization_list().values("pk"), pk=pk)
    granted = Consent.objects.filter(person=OuterRef("person"), granted=True)
    rows = (
        Affiliation.objects.filter(organization_id=organization["pk"], end_date__isnull=True)
        .annotate(
            email_ok=Exists(granted.filter(channel=Consent.Channel.EMAIL)),
            phone_ok=Exists(granted.filter(channel__in=PHONE_CHANNELS)),
        )
        .order_by("-is_primary", "role", "person__last_name", "person__first_name", "id")
        .values(
            "role",
            "is_primary",
            "email_ok",
            "phone_ok",
            "person__first_name",
            "person__last_name",
            "person__email",
            "person__phone",
            "person__preferred_language",
        )
    )
    return [
        {
            "name": f"{row['person__first_name']} {row['person__last_name']}".strip(),
            "role": row["role"],
            "is_primary": row["is_primary"],
            "preferred_language": row["person__preferred_language"],
            "email": (row["person__email"] or None) if row["email_ok"] else None,
            "phone": (row["person__phone"] or None) if row["phone_ok"] else None,
        }
        for row in rows
    ]
