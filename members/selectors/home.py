"""The registry's figures on the dashboard home and its part of the portal home."""

from typing import Any

from django.db.models import Count
from django.utils.translation import gettext

from members.models import Affiliation, Certification, Membership, Organization, YearlyReport
from members.selectors.organizations import registry_home_figures


def _with_share(rows: list[dict[str, Any]], total: int) -> list[dict[str, Any]]:
    for row in rows:
        row["percent"] = round(100 * row["count"] / total, 1) if total else 0
    return rows


def registry_home_context() -> dict[str, Any]:
    """The registry's figures of the dashboard home, in a constant number of queries (one
    grouped query per figure)."""
    by_country: list[dict[str, Any]] = [
        # Country names are stored in English and translated through the catalogue.
        {**row, "name": gettext(row["country__name"])}
        for row in Organization.objects.values("country_id", "country__name")
        .annotate(count=Count("id"))
        .order_by("-count")
    ]
    by_country.sort(key=lambda row: (-row["count"], row["name"]))

    kind_labels = dict(Organization.Kind.choices)
    by_kind = [
        {"kind": row["kind"], "label": kind_labels.get(row["kind"], row["kind"]), "count": row["count"]}
        for row in Organization.objects.values("kind").annotate(count=Count("id")).order_by("-count", "kind")
    ]
    total = sum(row["count"] for row in by_kind)

    status_labels = dict(Membership.Status.choices)
    by_membership_status = [
        {"status": row["status"], "label": status_labels.get(row["status"], row["status"]), "count": row["count"]}
        for row in Membership.objects.values("status").annotate(count=Count("id")).order_by("-count", "status")
    ]
    return {
        "organization_count": total,
        "country_count": len(by_country),
        "organizations_by_country": _with_share(by_country, total),
        "organizations_by_kind": _with_share(by_kind, total),
        "memberships_by_status": _with_share(by_membership_status, total),
        # Shown by templates/members/organizations/_home_figures.html.
        "registry_figures": registry_home_figures(),
    }


def portal_home_context(*, organization: Organization) -> dict[str, Any]:
    """The organization's summary on its portal home; one query per part, whatever the
    organization's size."""
    membership = Membership.objects.filter(organization=organization).first()
    certifications = list(Certification.objects.filter(organization=organization).order_by("standard"))
    # People currently linked to the organization, each counted once whatever their roles.
    people_count = (
        Affiliation.objects.filter(organization=organization, end_date__isnull=True)
        .values("person_id")
        .distinct()
        .count()
    )
    latest_report = YearlyReport.objects.filter(organization=organization).order_by("-year").first()
    return {
        "organization": organization,
        "membership": membership,
        "certifications": certifications,
        "people_count": people_count,
        "latest_report": latest_report,
    }
