"""Reads of the donors pages: donors with their agreement counts and amounts received, an
agreement with its tranches and deadlines, and the deadlines coming due."""

import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.shortcuts import get_object_or_404

from clac.access import require_staff_roles
from finance.models import Donor, GrantAgreement, ReportingDeadline

__all__ = ["agreement_get_for_user", "deadlines_due", "donor_get_for_user", "donor_list"]

FINANCE_ROLES = ("admin", "finance")
# Days before a report is due when it is flagged on the dashboard and e-mailed.
REPORTING_REMINDER_DAYS = 30


def donor_list(*, q: str = "") -> QuerySet[Donor]:
    donors = Donor.objects.all()
    if q:
        donors = donors.filter(name__icontains=q)
    return donors.annotate(
        agreement_count=Count("agreements", distinct=True),
        received_usd=Sum(
            "agreements__tranches__entry__lines__amount_usd",
            filter=Q(agreements__tranches__entry__lines__amount_usd__gt=0),
        ),
    ).order_by("name")


def donor_get_for_user(*, user: Any, pk: int) -> Donor:
    require_staff_roles(user, FINANCE_ROLES)
    return get_object_or_404(Donor, pk=pk)


def donor_agreements(*, donor: Donor) -> QuerySet[GrantAgreement]:
    return donor.agreements.select_related("fund").annotate(
        tranche_count=Count("tranches", distinct=True),
        received_count=Count("tranches", filter=Q(tranches__received_date__isnull=False), distinct=True),
    )


def agreement_get_for_user(*, user: Any, pk: int) -> GrantAgreement:
    require_staff_roles(user, FINANCE_ROLES)
    return get_object_or_404(GrantAgreement.objects.select_related("donor", "fund"), pk=pk)


def agreement_list() -> QuerySet[GrantAgreement]:
    return GrantAgreement.objects.select_related("donor", "fund").order_by("-start_date", "title")


def deadlines_due(*, today: datetime.date, days: int = REPORTING_REMINDER_DAYS) -> QuerySet[ReportingDeadline]:
    """Reports not yet submitted that are due within `days` (or overdue)."""
    return (
        ReportingDeadline.objects.filter(submitted_on__isnull=True, due_date__lte=today + datetime.timedelta(days=days))
        .select_related("agreement__donor")
        .order_by("due_date", "id")
    )
