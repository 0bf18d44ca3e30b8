"""Reads of the member portal. Every query here is scoped to the organization the portal user
is working for (request.organization, set by clac.access.portal_required). Single records
(a person, an affiliation, a report) are fetched with the `<entity>_get_for_user` access
helpers, given that organization: an id that belongs to another organization is a 404, so the
portal never reveals that it exists."""

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery

from members.models import (
    Affiliation,
    Certification,
    Consent,
    Membership,
    Organization,
    OrganizationChangeProposal,
    Person,
    Product,
    YearlyReport,
    YearlyReportEvent,
)

__all__ = [
    "PORTAL_STAFF_NOTE_ACTIONS",
    "portal_certifications",
    "portal_membership",
    "portal_people",
    "portal_person_affiliations",
    "portal_person_consents",
    "portal_person_other_organization_count",
    "portal_products",
    "portal_proposals",
    "portal_report_lines",
    "portal_report_staff_notes",
    "portal_reports",
]

# Events whose note was written by CLAC staff to the organization (approve, return, comment).
PORTAL_STAFF_NOTE_ACTIONS = (
    YearlyReportEvent.Action.APPROVED,
    YearlyReportEvent.Action.RETURNED,
    YearlyReportEvent.Action.COMMENTED,
)


# --- Profile ------------------------------------------------------------------------------


def portal_membership(*, organization: Organization) -> Membership | None:
    return Membership.objects.filter(organization=organization).first()


def portal_certifications(*, organization: Organization) -> list[Certification]:
    return list(Certification.objects.filter(organization=organization).order_by("standard"))


def portal_products(*, organization: Organization) -> list[Product]:
    return list(organization.products.order_by("name"))


def portal_proposals(*, organization: Organization, status: str | None = None) -> QuerySet[OrganizationChangeProposal]:
    proposals = OrganizationChangeProposal.objects.filter(organization=organization)
    if status is not None:
        proposals = proposals.filter(status=status)
    return proposals.order_by("-created_at", "-id")


# --- People -------------------------------------------------------------------------------


def _current_affiliations(organization: Organization) -> QuerySet[Affiliation]:
    return Affiliation.objects.filter(organization=organization, end_date__isnull=True)


def portal_people(*, organization: Organization) -> QuerySet[Affiliation]:
    """The organization's current affiliations with their person, primary contact first, each
    annotated with `other_organizations`: how many other organizations the person serves now
    (a shared person's contact data is seen by those organizations too)."""
    other_open = Affiliation.objects.filter(person_id=OuterRef("person_id"), end_date__isnull=True).exclude(
        organization=organization
    )
    other_count = (
        other_open.order_by().values("person_id").annotate(n=Count("organization_id", distinct=True)).values("n")
    )
    return (
        _current_affiliations(organization)
        .select_related("person")
        .prefetch_related(Prefetch("person__consents", queryset=Consent.objects.order_by("channel")))
        .annotate(other_organizations=Subquery(other_count))
        .order_by("-is_primary", "person__last_name", "person__first_name", "role", "id")
    )


def portal_person_affiliations(*, organization: Organization, person: Person) -> list[Affiliation]:
    """The person's current roles in this organization (never their roles elsewhere)."""
    return list(_current_affiliations(organization).filter(person=person).order_by("-is_primary", "role", "id"))


def portal_person_other_organization_count(*, organization: Organization, person: Person) -> int:
    """How many other organizations the person serves now. Only the number is shown: the
    portal does not reveal which organizations those are."""
    return (
        Affiliation.objects.filter(person=person, end_date__isnull=True)
        .exclude(organization=organization)
        .values("organization_id")
        .distinct()
        .count()
    )


def portal_person_consents(*, person: Person) -> dict[str, Consent]:
    return {consent.channel: consent for consent in Consent.objects.filter(person=person)}


# --- Yearly reports -----------------------------------------------------------------------


def _latest_staff_note() -> Subquery:
    return Subquery(
        YearlyReportEvent.objects.filter(report_id=OuterRef("pk"), action__in=PORTAL_STAFF_NOTE_ACTIONS)
        .exclude(note="")
        .order_by("-created_at", "-id")
        .values("note")[:1]
    )


def portal_reports(*, organization: Organization) -> QuerySet[YearlyReport]:
    """The organization's reports, newest year first, each with `latest_staff_note` and the
    number of product lines; one query however many reports there are."""
    return (
        YearlyReport.objects.filter(organization=organization)
        .annotate(latest_staff_note=_latest_staff_note(), product_line_count=Count("product_lines", distinct=True))
        .order_by("-year")
    )


def portal_report_lines(*, report: YearlyReport) -> tuple[list, list]:
    """(product lines with their product, premium uses) of one report."""
    lines = list(report.product_lines.select_related("product").order_by("product__name"))
    uses = list(report.premium_uses.order_by("category"))
    return lines, uses


def portal_report_staff_notes(*, report: YearlyReport) -> list[YearlyReportEvent]:
    """CLAC's comments and return notes on the report, newest first."""
    return list(
        report.events.filter(action__in=PORTAL_STAFF_NOTE_ACTIONS).exclude(note="").order_by("-created_at", "-id")
    )
