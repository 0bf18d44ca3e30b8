"""Reads of the support funds: eligibility, the calls an organization may see, the access helpers
(staff by role, portal by organization: another organization's application is a 404), and the
ranking of a call's applications by weighted score, in a constant number of queries."""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, DecimalField, Prefetch, Q, QuerySet, Sum, Value, prefetch_related_objects
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from clac.roles import StaffRole, user_has_any_role
from finance.models import Disbursement, FinalReport, FundingCall, Score, ScoringCriterion, SupportApplication
from members.models import Country, Membership, Organization, ProductNetwork

# Who manages calls, decisions and disbursements.
MANAGERS = frozenset({StaffRole.ADMIN, StaffRole.FINANCE})
# Who may score applications: the managers and the M&E officers, who judge plans against
# results every day (coordinators are not: they represent the networks whose members apply).
REVIEWERS = MANAGERS | {StaffRole.ME_OFFICER}
ZERO = Value(Decimal(0), output_field=DecimalField(max_digits=14, decimal_places=2))


def organization_is_eligible(*, call: FundingCall, organization: Organization) -> bool:
    """Kind, country, product network and membership status, each list empty = any."""
    return not ineligibility_reasons(call=call, organization=organization)


def ineligibility_reasons(*, call: FundingCall, organization: Organization) -> list[str]:
    """The eligibility rules the organization fails, by field name (empty when eligible)."""
    reasons = []
    if call.eligible_kinds and organization.kind not in call.eligible_kinds:
        reasons.append("kind")
    if call.eligible_countries and organization.country_id not in call.eligible_countries:
        reasons.append("country")
    if (
        call.eligible_product_networks
        and not organization.products.filter(network__in=call.eligible_product_networks).exists()
    ):
        reasons.append("product")
    if call.eligible_membership_statuses:
        status = Membership.objects.filter(organization=organization).values_list("status", flat=True).first()
        if status not in call.eligible_membership_statuses:
            reasons.append("membership")
    return reasons


def eligible_call_ids(*, organization: Organization) -> list[int]:
    """The published calls whose every rule the organization meets, in two queries plus one per
    membership/product read (the calls are few; JSON list lookups are not portable to SQLite)."""
    status = Membership.objects.filter(organization=organization).values_list("status", flat=True).first()
    networks = set(organization.products.values_list("network", flat=True))
    ids = []
    for call in FundingCall.objects.exclude(status=FundingCall.Status.DRAFT).only(
        "id", "eligible_kinds", "eligible_countries", "eligible_product_networks", "eligible_membership_statuses"
    ):
        if call.eligible_kinds and organization.kind not in call.eligible_kinds:
            continue
        if call.eligible_countries and organization.country_id not in call.eligible_countries:
            continue
        if call.eligible_product_networks and not networks & set(call.eligible_product_networks):
            continue
        if call.eligible_membership_statuses and status not in call.eligible_membership_statuses:
            continue
        ids.append(call.pk)
    return ids


# --- Staff ------------------------------------------------------------------------------------


def call_list() -> QuerySet[FundingCall]:
    """Calls with their fund, application counts and approved total (one query)."""
    return FundingCall.objects.select_related("fund").annotate(
        application_count=Count("applications", filter=~Q(applications__status=SupportApplication.Status.DRAFT)),
        approved_total=Coalesce(Sum("applications__approved_usd"), ZERO),
    )


def call_get_for_user(*, user: Any, pk: int) -> FundingCall:
    if not user_has_any_role(user, REVIEWERS):
        raise PermissionDenied
    return get_object_or_404(call_list(), pk=pk)


def application_get_for_user(*, user: Any, pk: int, organization: Organization | None = None) -> SupportApplication:
    """Staff reviewers see every application except drafts; a portal user only their
    organization's (404 for any other)."""
    queryset = SupportApplication.objects.select_related("call", "call__fund", "organization")
    if organization is not None:
        return get_object_or_404(queryset, pk=pk, organization=organization)
    if not user_has_any_role(user, REVIEWERS):
        raise PermissionDenied
    return get_object_or_404(queryset.exclude(status=SupportApplication.Status.DRAFT), pk=pk)


def approved_total(*, call: FundingCall) -> Decimal:
    return call.applications.aggregate(total=Coalesce(Sum("approved_usd"), ZERO))["total"]


def weighted_totals(
    *, applications: list[SupportApplication], criteria: list[ScoringCriterion]
) -> dict[int, Decimal | None]:
    """Each application's weighted score out of 100: per criterion the reviewers' mean over the
    criterion's maximum, weighted; None while nobody has scored it. One query."""
    weights = {criterion.pk: (criterion.weight, criterion.max_score) for criterion in criteria}
    total_weight = sum((weight for weight, _max in weights.values()), Decimal(0))
    sums: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for application_id, criterion_id, score in Score.objects.filter(
        application__in=[application.pk for application in applications]
    ).values_list("application_id", "criterion_id", "score"):
        sums[application_id][criterion_id].append(score)
    return {application.pk: _weighted(sums.get(application.pk), weights, total_weight) for application in applications}


def _weighted(
    by_criterion: dict[int, list[int]] | None, weights: dict[int, tuple[Decimal, int]], total_weight: Decimal
) -> Decimal | None:
    if not by_criterion or not total_weight:
        return None
    value = Decimal(0)
    for criterion_id, (weight, maximum) in weights.items():
        scores = by_criterion.get(criterion_id)
        if scores:
            value += weight * Decimal(sum(scores)) / Decimal(len(scores)) / Decimal(maximum)
    return (value * 100 / total_weight).quantize(Decimal("0.1"))


@dataclass
class CriterionScores:
    criterion: ScoringCriterion
    scores: list[Score]  # one per reviewer, with the reviewer loaded


@dataclass
class ApplicationReview:
    application: SupportApplication
    scores: list[CriterionScores]
    weighted_score: Decimal | None
    tranches: list[Disbursement]
    tranche_remaining: Decimal
    final_report: FinalReport | None


def application_review_get_for_user(*, user: Any, pk: int) -> ApplicationReview:
    """One application (not a draft) for staff reviewers with what its review produced: per
    criterion the scores of each reviewer, the weighted score, the tranches, what remains to
    disburse and the final report. Five queries whatever the number of scores or tranches."""
    application = application_get_for_user(user=user, pk=pk)
    prefetch_related_objects(
        [application],
        "call__criteria",
        Prefetch("scores", queryset=Score.objects.select_related("reviewer").order_by("criterion_id", "reviewer_id")),
        "tranches",
    )
    criteria = list(application.call.criteria.all())
    scores = list(application.scores.all())
    tranches = list(application.tranches.all())
    report = final_report_of(application=application)
    by_criterion: dict[int, list[Score]] = defaultdict(list)
    for score in scores:
        by_criterion[score.criterion_id].append(score)
    weights = {criterion.pk: (criterion.weight, criterion.max_score) for criterion in criteria}
    total_weight = sum((weight for weight, _max in weights.values()), Decimal(0))
    values = {criterion_id: [s.score for s in rows] for criterion_id, rows in by_criterion.items()}
    planned = sum((tranche.amount for tranche in tranches), Decimal(0))
    return ApplicationReview(
        application=application,
        scores=[CriterionScores(criterion, by_criterion.get(criterion.pk, [])) for criterion in criteria],
        weighted_score=_weighted(values, weights, total_weight),
        tranches=tranches,
        tranche_remaining=(application.approved_usd or Decimal(0)) - planned,
        final_report=report,
    )


def tranche_get(*, application: SupportApplication, pk: int) -> Disbursement:
    """A tranche of this application (the caller already passed application_get_for_user);
    another application's tranche is a 404."""
    return get_object_or_404(Disbursement, pk=pk, application=application)


def final_report_of(*, application: SupportApplication) -> FinalReport | None:
    return FinalReport.objects.filter(application=application).first()


def call_applications_ranking(*, call: FundingCall) -> list[dict[str, Any]]:
    """The call's applications (not drafts) ranked by weighted score, best first, unscored last;
    three queries whatever their number."""
    criteria = list(call.criteria.all())
    applications: list[SupportApplication] = list(
        call.applications.exclude(status=SupportApplication.Status.DRAFT)
        .select_related("organization", "organization__country")
        .annotate(reviewers=Count("scores__reviewer", distinct=True))
        .order_by("id")
    )
    totals = weighted_totals(applications=applications, criteria=criteria)
    applications.sort(key=lambda a: (totals[a.pk] is None, -(totals[a.pk] or 0), a.pk))
    return [{"application": a, "total": totals[a.pk], "reviewers": getattr(a, "reviewers", 0)} for a in applications]


def reviewer_scores(*, application: SupportApplication, reviewer: Any) -> dict[int, int]:
    return dict(application.scores.filter(reviewer=reviewer).values_list("criterion_id", "score"))


def tranche_remaining(*, application: SupportApplication) -> Decimal:
    planned = Disbursement.objects.filter(application=application).aggregate(total=Coalesce(Sum("amount"), ZERO))[
        "total"
    ]
    return (application.approved_usd or Decimal(0)) - planned


# --- Portal -----------------------------------------------------------------------------------


def portal_open_calls(*, organization: Organization) -> QuerySet[FundingCall]:
    """Open calls the organization is eligible for, still accepting applications today."""
    return FundingCall.objects.filter(
        pk__in=eligible_call_ids(organization=organization),
        status=FundingCall.Status.OPEN,
        closes_on__gte=timezone.localdate(),
    ).select_related("fund")


def portal_call_get(*, organization: Organization, pk: int) -> FundingCall:
    """An open call the organization is eligible for; any other is a 404."""
    call = portal_open_calls(organization=organization).filter(pk=pk).first()
    if call is None:
        raise Http404
    return call


def portal_applications(*, organization: Organization) -> QuerySet[SupportApplication]:
    return SupportApplication.objects.filter(organization=organization).select_related("call").order_by("-id")


def call_eligibility_labels(*, call: FundingCall) -> dict[str, list[str]]:
    """The call's eligibility rules as the reader reads them (kinds, countries, product
    networks, membership statuses in their language, not the stored codes): one query, for
    the countries' names."""

    def labels(choices: Any, values: list[str]) -> list[str]:
        known = dict(choices.choices)
        return [str(known.get(value, value)) for value in values]

    countries = {country.code: str(country) for country in Country.objects.filter(code__in=call.eligible_countries)}
    return {
        "kinds": labels(Organization.Kind, call.eligible_kinds),
        "countries": [countries.get(code, code) for code in call.eligible_countries],
        "product_networks": labels(ProductNetwork, call.eligible_product_networks),
        "membership_statuses": labels(Membership.Status, call.eligible_membership_statuses),
    }
