"""Reads of the partner directory: the public facts of current members and, for keys that
may see personal data, their consented contacts."""

from typing import Any

from django.db import connection
from django.db.models import CharField, Exists, OuterRef, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from members.models import Affiliation, Certification, Consent, Membership, Organization, Product

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


def _aggregated_columns() -> dict[str, RawSQL]:
    """The product codes and the certifications of each row as two correlated subqueries
    written once in SQL: built with the ORM (Subquery, StringAgg, Concat) they cost more to
    compile on every request than the database takes to run them (docs/benchmarks.md)."""
    quote = connection.ops.quote_name
    organization = quote(Organization._meta.db_table)
    through = quote(Organization.products.through._meta.db_table)
    product = quote(Product._meta.db_table)
    certification = quote(Certification._meta.db_table)
    # string_agg on PostgreSQL, group_concat on SQLite (the demo): same result.
    join = "string_agg({}, ',')" if connection.vendor == "postgresql" else "group_concat({}, ',')"
    codes = join.format("p.code")
    pairs = join.format("c.standard || ':' || c.status")
    # Table names come from the models and no value is interpolated: nothing to inject.
    return {
        "product_codes": RawSQL(  # noqa: S611
            f"SELECT {codes} FROM {through} op INNER JOIN {product} p ON p.id = op.product_id "  # noqa: S608
            f"WHERE op.organization_id = {organization}.id",
            (),
            output_field=CharField(),
        ),
        "certification_pairs": RawSQL(  # noqa: S611
            f"SELECT {pairs} FROM {certification} c WHERE c.organization_id = {organization}.id",  # noqa: S608
            (),
            output_field=CharField(),
        ),
    }


def directory_organization_list() -> QuerySet[Organization]:
    """Current members, each row carrying its product codes and certifications as short
    aggregated strings: the directory's page is one query, not one per relation. (The strings
    are sorted in Python: SQLite before 3.44, the demo's database, cannot order inside an
    aggregate.)"""
    return Organization.objects.filter(membership__status__in=DIRECTORY_MEMBERSHIP_STATUSES).annotate(
        **_aggregated_columns()
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
