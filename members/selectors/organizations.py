"""Reads of organizations for the staff dashboard: the registry list (shared by the page and
the export), the organization page, the review queues and the home figures."""

import datetime
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    TextChoices,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.functions import Length
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members.models import (
    Affiliation,
    Certification,
    Country,
    Membership,
    MembershipEvent,
    Organization,
    OrganizationChangeProposal,
    Product,
)
from members.selectors.access import access_scope, require_change
from members.selectors.search import organization_search

__all__ = [
    "EXPIRING_CERTIFICATION_DAYS",
    "ORGANIZATION_SORTS",
    "ReviewReason",
    "certifications_expiring",
    "change_proposal_get_for_user",
    "membership_review_queue",
    "membership_reviews_for_change",
    "organization_detail_context",
    "organization_get_for_user",
    "organization_list",
    "organization_membership_counts",
    "pending_proposals",
    "proposal_field_display",
]

EXPIRING_CERTIFICATION_DAYS = 60

# Sort keys the list accepts (anything else is refused by the filter form), each with a
# trailing "id" so pages stay stable when many rows share a value.
ORGANIZATION_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("name", "id"),
    "country": ("country__name", "name", "id"),
    "kind": ("kind", "name", "id"),
    "membership": ("membership__status", "name", "id"),
    # FLO IDs are 1 to 7 digits without leading zeros: by length, then text, is numeric order
    # (127 before 12649) on both databases, and empty ones come first.
    "flo_id": ("flo_id_length", "flo_id", "id"),
    "updated": ("updated_at", "id"),
}


def _sort_fields(sort: str) -> list[str]:
    descending = sort.startswith("-")
    fields = ORGANIZATION_SORTS.get(sort.removeprefix("-"), ORGANIZATION_SORTS["name"])
    return [f"-{name}" for name in fields] if descending else list(fields)


def _code(value: Any) -> str:
    """Filters arrive as model instances (from the filter form) or plain codes (scripts)."""
    return str(getattr(value, "pk", value) or "")


def organization_list(*, filters: dict[str, Any]) -> QuerySet[Organization]:
    """The registry rows matching the filters, sorted. The list page paginates this queryset
    and the export streams all of it, so both always show the same rows.

    Filters (all optional): q (every word in the name, legal name, FLO ID or locality,
    accents ignored: members.selectors.search), country,
    kind, product, membership_status, certification_status, subregion, sort (a key of
    ORGANIZATION_SORTS, "-" for descending)."""
    qs = Organization.objects.select_related("country", "membership").prefetch_related(
        Prefetch("products", queryset=Product.objects.order_by("name")),
        Prefetch("certifications", queryset=Certification.objects.order_by("standard")),
    )
    qs = organization_search(qs, filters.get("q") or "")
    if country := _code(filters.get("country")):
        qs = qs.filter(country_id=country)
    if subregion := filters.get("subregion"):
        qs = qs.filter(country__subregion=subregion)
    if kind := filters.get("kind"):
        qs = qs.filter(kind=kind)
    if product := filters.get("product"):
        # Through-table rows are unique per (organization, product): no duplicate rows.
        product_filter = Q(products=product) if isinstance(product, Product) else Q(products__code=product)
        qs = qs.filter(product_filter)
    if membership_status := filters.get("membership_status"):
        qs = qs.filter(membership__status=membership_status)
    if certification_status := filters.get("certification_status"):
        # An organization may hold certificates under two standards: Exists keeps one row each.
        qs = qs.filter(Exists(Certification.objects.filter(organization=OuterRef("pk"), status=certification_status)))
    return qs.alias(flo_id_length=Length("flo_id")).order_by(*_sort_fields(filters.get("sort") or "name"))


def organization_membership_counts(queryset: QuerySet[Organization]) -> dict[str, int]:
    """How many of the listed organizations are in each membership status (one query; those
    without a membership are not counted). The whole registry (no filter) is counted from the
    memberships alone, an index-only scan, instead of joining every organization to its
    membership: a membership belongs to exactly one organization, so the figures are the same."""
    if not queryset.query.has_filters():
        counted = Membership.objects.order_by().values("status").annotate(total=Count("id"))
        return {row["status"]: row["total"] for row in counted}
    rows = queryset.order_by().filter(membership__isnull=False).values("membership__status").annotate(total=Count("id"))
    return {row["membership__status"]: row["total"] for row in rows}


def organization_get_for_user(
    *, user, pk: int, organization: Organization | None = None, for_change: bool = False
) -> Organization:
    """The organization, for a staff member (any of them may read the whole registry) or, in
    the portal (`organization` given), only that organization itself. `for_change`: 403
    unless the user may change it. Rules in members.selectors.access."""
    scope = access_scope(user=user, organization=organization)
    found = Organization.objects.select_related("country", "membership", "parent", "parent__country").filter(pk=pk)
    if scope is not None:
        found = found.filter(pk=scope.pk)
    record = found.first()
    if record is None:
        raise Http404
    if for_change:
        require_change(user, scope=scope, record_organization=record)
    return record


def organization_detail_context(*, organization: Organization) -> dict[str, Any]:
    """Everything the organization page shows, in a fixed number of queries."""
    today = timezone.localdate()
    # organization_get_for_user loaded the membership with the organization.
    membership: Membership | None = getattr(organization, "membership", None)
    certifications = list(organization.certifications.order_by("standard"))
    return {
        "products": list(organization.products.order_by("name")),
        "children": list(organization.children.select_related("country").order_by("name")),
        "affiliations": list(
            Affiliation.objects.filter(organization=organization)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
            .select_related("person")
            .order_by("-is_primary", "role", "person__last_name", "person__first_name", "id")
        ),
        "certifications": certifications,
        "missing_standards": [
            (value, label)
            for value, label in Certification.Standard.choices
            if value not in {cert.standard for cert in certifications}
        ],
        "certification_history": list(
            Certification.history.filter(organization_id=organization.pk)
            .select_related("history_user")
            .order_by("-history_date", "-history_id")[:20]
        ),
        "has_current_certification": any(cert.is_current for cert in certifications),
        "membership": membership,
        "membership_events": list(
            MembershipEvent.objects.filter(membership__organization=organization).select_related("actor")
        ),
        "reports": list(organization.yearly_reports.order_by("-year")),
        "pending_proposals": list(
            organization.change_proposals.filter(status=OrganizationChangeProposal.Status.PENDING)
            .select_related("proposed_by")
            .order_by("created_at", "id")
        ),
    }


class ReviewReason(TextChoices):
    """Why a membership waits in the review queue, read from the organization's certificates
    now (the free-text review_reason keeps what flagged it and when): the certificate was
    withdrawn or suspended by FLOCERT, or reinstated while the membership stays suspended."""

    CERTIFICATE_WITHDRAWN = "withdrawn", _("Certificate withdrawn")
    CERTIFICATE_SUSPENDED = "suspended", _("Certificate suspended")
    CERTIFICATE_REINSTATED = "reinstated", _("Certificate reinstated")
    OTHER = "other", _("Other reason")


def _review_conditions() -> dict[str, Q]:
    """The condition of each ReviewReason on a membership row, first match wins (a withdrawn
    certificate outranks a suspended one). Filtering on these (semi-joins PostgreSQL plans
    well) rather than on the CASE built from them keeps a filtered queue as fast as the whole."""
    certificates = Certification.objects.filter(organization_id=OuterRef("organization_id"))
    withdrawn = Q(Exists(certificates.filter(status=Certification.Status.DECERTIFIED)))
    suspended = Q(Exists(certificates.filter(status=Certification.Status.SUSPENDED)))
    reinstated = Q(status=Membership.Status.SUSPENDED) & Q(
        Exists(certificates.filter(status__in=Certification.CURRENT_STATUSES))
    )
    return {
        ReviewReason.CERTIFICATE_WITHDRAWN.value: withdrawn,
        ReviewReason.CERTIFICATE_SUSPENDED.value: ~withdrawn & suspended,
        ReviewReason.CERTIFICATE_REINSTATED.value: ~withdrawn & ~suspended & reinstated,
        ReviewReason.OTHER.value: ~withdrawn & ~suspended & ~reinstated,
    }


def _review_reason() -> Case:
    conditions = _review_conditions()
    whens = [When(conditions[value], then=Value(value)) for value in ReviewReason.values if value != ReviewReason.OTHER]
    return Case(*whens, default=Value(ReviewReason.OTHER.value), output_field=CharField())


def membership_review_queue(*, filters: dict[str, Any] | None = None) -> QuerySet[Membership]:
    """Memberships flagged for a staff decision, the longest waiting first, each carrying
    `review_kind` (a ReviewReason value). Filters (optional): reason (a ReviewReason value),
    country (a Country or its code), older_than (days waiting, at least)."""
    filters = filters or {}
    queryset = Membership.objects.filter(review_requested_at__isnull=False)
    if reason := filters.get("reason"):
        # An unknown reason matches nothing (the filter form refuses it before).
        queryset = queryset.filter(_review_conditions().get(reason, Q(pk__in=[])))
    if country := _code(filters.get("country")):
        queryset = queryset.filter(organization__country_id=country)
    if older_than := filters.get("older_than"):
        cutoff = timezone.now() - datetime.timedelta(days=int(older_than))
        queryset = queryset.filter(review_requested_at__lte=cutoff)
    return (
        # Annotated after filtering: the paginator's COUNT then leaves the CASE out.
        queryset.annotate(review_kind=_review_reason())
        .select_related("organization", "organization__country")
        .prefetch_related(Prefetch("organization__certifications", queryset=Certification.objects.order_by("standard")))
        .order_by("review_requested_at", "id")
    )


def membership_reviews_for_change(*, user, organization_ids: list[int]) -> list[Organization]:
    """The organizations whose open reviews `user` closes together: 403 when one of them is
    outside the user's change rights (nothing is closed then); ids without an open review
    are left out (closed meanwhile by someone else)."""
    organizations = list(
        Organization.objects.filter(pk__in=organization_ids, membership__review_requested_at__isnull=False).order_by(
            "pk"
        )
    )
    for organization in organizations:
        require_change(user, scope=None, record_organization=organization)
    return organizations


def certifications_expiring(*, days: int = EXPIRING_CERTIFICATION_DAYS) -> QuerySet[Certification]:
    """Certified organizations whose cycle ends within `days` from today (today included),
    soonest first: FLOCERT must audit them before then or they lose the certificate."""
    today = timezone.localdate()
    return (
        Certification.objects.filter(
            status=Certification.Status.CERTIFIED,
            cycle_end__gte=today,
            cycle_end__lte=today + datetime.timedelta(days=days),
        )
        .select_related("organization", "organization__country", "organization__membership")
        .order_by("cycle_end", "organization__name", "id")
    )


def pending_proposals() -> QuerySet[OrganizationChangeProposal]:
    """Portal change requests waiting for staff, the oldest first."""
    return (
        OrganizationChangeProposal.objects.filter(status=OrganizationChangeProposal.Status.PENDING)
        .select_related("organization", "organization__country", "proposed_by")
        .order_by("created_at", "id")
    )


def change_proposal_get_for_user(
    *, user, pk: int, organization: Organization | None = None, for_change: bool = False
) -> OrganizationChangeProposal:
    """A change proposal, for staff (any) or, in the portal, one of `organization`'s; 404 for
    anyone else and for an unknown one. `for_change` (deciding it): 403 unless the user may
    change the organization. Rules in members.selectors.access."""
    scope = access_scope(user=user, organization=organization)
    found = OrganizationChangeProposal.objects.select_related("organization").filter(pk=pk)
    if scope is not None:
        found = found.filter(organization=scope)
    proposal = found.first()
    if proposal is None:
        raise Http404
    if for_change:
        require_change(user, scope=scope, record_organization=proposal.organization)
    return proposal


def proposal_field_display(field: str, value: str, countries: dict[str, Country] | None = None) -> str:
    """A proposal value as staff read it: country and kind codes become their names."""
    if not value:
        return ""
    if field == OrganizationChangeProposal.Field.COUNTRY:
        country = (countries or {}).get(value)
        return f"{country} ({value})" if country is not None else value
    if field == OrganizationChangeProposal.Field.KIND:
        return str(dict(Organization.Kind.choices).get(value, value))
    return value


# --- Staff API ------------------------------------------------------------------------------

__all__ += ["organization_staff_detail", "organization_staff_list", "organization_staff_reload"]


def _staff_prefetches() -> list[Prefetch]:
    # The API lists product codes in code order (the dashboard shows names, in name order).
    return [
        Prefetch("products", queryset=Product.objects.order_by("code")),
        Prefetch("certifications", queryset=Certification.objects.order_by("standard")),
    ]


def organization_staff_list() -> QuerySet[Organization]:
    """Every organization, in any membership state, with what the staff API shows: three
    queries per page."""
    return Organization.objects.select_related("country", "parent", "membership").prefetch_related(*_staff_prefetches())


def organization_staff_detail(*, organization: Organization) -> Organization:
    """Loads what the staff API shows onto an organization from organization_get_for_user."""
    prefetch_related_objects([organization], *_staff_prefetches())
    return organization


def organization_staff_reload(*, organization: Organization) -> Organization:
    """A fresh copy of an organization a service just wrote, with what the staff API shows."""
    return organization_staff_list().get(pk=organization.pk)
