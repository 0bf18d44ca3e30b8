"""Staff API of the support funds: calls (list, one with its applications ranked by weighted
score) and applications (list filtered by call and status; one with its scores per criterion and
reviewer, weighted score, tranches and final report; score it; approve with an amount, reject
with a reason; plan and pay tranches; review the final report). Finance staff and administrators
read and do everything; M&E officers read and score (as in the dashboard); other roles, portal
users and partner keys get 403. Every write goes through finance.services.support (the call's
budget cap under a lock, tranches within the approval); refusals are the platform's 400 with the
service's field messages.

`register(router)` adds the viewsets, `ACCESS` names their routes (clac.plugins.ACCESS_API)."""

from decimal import Decimal
from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from clac.access import request_user
from clac.api.filters import IdFilter
from clac.api.pagination import DefaultCursorPagination
from clac.api.permissions import request_is_partner
from clac.api.views import ClacGenericViewSet
from clac.plugins import ACCESS_API
from clac.roles import user_has_any_role
from finance.models import FinalReport, FundingCall, SupportApplication
from finance.selectors import support as selectors
from finance.services import support as services
from members.api.common import url_pk, validated


class SupportRoles(BasePermission):
    """Reviewers (finance, admin, M&E) read and run the view's `reviewer_actions` (scoring);
    managers (finance, admin) do the rest."""

    message = "Only CLAC finance staff can use this endpoint."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request_is_partner(request):
            return False
        reviewer_action = getattr(view, "action", None) in getattr(view, "reviewer_actions", ())
        roles = selectors.REVIEWERS if request.method in SAFE_METHODS or reviewer_action else selectors.MANAGERS
        return user_has_any_role(request.user, roles)


class CallPagination(DefaultCursorPagination):
    max_page_size = 200
    ordering: tuple[str, ...] = ("-opens_on", "-id")


class ApplicationPagination(CallPagination):
    ordering = ("-id",)


class SupportRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CallSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    fund = serializers.CharField(source="fund.code")
    budget = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="USD.")
    approved_total = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="USD.")
    application_count = serializers.IntegerField(help_text="Applications past draft.")
    status = serializers.ChoiceField(choices=FundingCall.Status.choices)
    opens_on = serializers.DateField()
    closes_on = serializers.DateField()
    eligible_kinds = serializers.ListField(child=serializers.CharField())
    eligible_countries = serializers.ListField(child=serializers.CharField())
    eligible_product_networks = serializers.ListField(child=serializers.CharField())
    eligible_membership_statuses = serializers.ListField(child=serializers.CharField())


class ApplicationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    call = serializers.IntegerField(source="call_id")
    organization = SupportRefSerializer()
    status = serializers.ChoiceField(choices=SupportApplication.Status.choices)
    currency = serializers.CharField()
    requested_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    requested_usd = serializers.DecimalField(max_digits=14, decimal_places=2)
    approved_usd = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    decision_reason = serializers.CharField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)


class RankedSerializer(serializers.Serializer):
    application = ApplicationSerializer()
    total = serializers.DecimalField(max_digits=5, decimal_places=1, allow_null=True, help_text="Out of 100.")
    reviewers = serializers.IntegerField()


class CallDetailSerializer(CallSerializer):
    ranking = RankedSerializer(many=True)


class ReviewerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


class ReviewerScoreSerializer(serializers.Serializer):
    reviewer = ReviewerSerializer()
    score = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


class CriterionScoresSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(source="criterion.pk")
    name = serializers.CharField(source="criterion.name")
    weight = serializers.DecimalField(source="criterion.weight", max_digits=5, decimal_places=2)
    max_score = serializers.IntegerField(source="criterion.max_score")
    scores = ReviewerScoreSerializer(many=True, help_text="One per reviewer who scored this criterion.")


class SupportTrancheSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="USD.")
    planned_on = serializers.DateField()
    paid_on = serializers.DateField(allow_null=True)
    journal_entry = serializers.IntegerField(source="journal_entry_id", allow_null=True, help_text="Set once paid.")


class FinalReportSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=FinalReport.Status.choices)
    submitted_on = serializers.DateField()
    text = serializers.CharField()
    staff_comment = serializers.CharField()


class ApplicationReviewSerializer(serializers.Serializer):
    """What the review of one application produced (finance.selectors.support.ApplicationReview)."""

    scores = CriterionScoresSerializer(many=True, help_text="Per criterion of the call, each reviewer's score.")
    weighted_score = serializers.DecimalField(
        max_digits=5, decimal_places=1, allow_null=True, help_text="Out of 100; null while nobody has scored."
    )
    tranches = SupportTrancheSerializer(many=True)
    tranche_remaining = serializers.DecimalField(
        max_digits=14, decimal_places=2, help_text="USD of the approved amount not yet planned in a tranche."
    )
    final_report = FinalReportSerializer(allow_null=True)


class ApplicationDetailSerializer(ApplicationSerializer, ApplicationReviewSerializer):
    """The application's fields and its review's, side by side (the response of the detail and
    of every action on one application except approve and reject)."""


def application_detail_data(review: selectors.ApplicationReview) -> dict[str, Any]:
    return {**ApplicationSerializer(review.application).data, **ApplicationReviewSerializer(review).data}


class ScoreInputSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(min_value=1)
    score = serializers.IntegerField(min_value=0, max_value=1000)


class ScoresSerializer(serializers.Serializer):
    scores = serializers.ListField(child=ScoreInputSerializer(), allow_empty=False, max_length=100)

    def validate_scores(self, value: list[dict[str, int]]) -> list[dict[str, int]]:
        criteria = [item["criterion"] for item in value]
        if len(set(criteria)) != len(criteria):
            raise serializers.ValidationError(_("Give each criterion one score."))
        return value


class TranchePlanSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"), help_text="USD.")
    planned_on = serializers.DateField()


class TranchePaySerializer(serializers.Serializer):
    paid_on = serializers.DateField(help_text="Not in the future.")


class ReportReviewSerializer(serializers.Serializer):
    accept = serializers.BooleanField(help_text="true accepts the report; false asks for changes (comment required).")
    comment = serializers.CharField(max_length=5000, allow_blank=True, required=False, default="")


class ApproveSerializer(serializers.Serializer):
    amount_usd = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


class ApplicationFilter(django_filters.FilterSet):
    call = IdFilter(field_name="call_id")
    status = django_filters.ChoiceFilter(choices=SupportApplication.Status.choices)

    class Meta:
        model = SupportApplication
        fields: list[str] = []


@extend_schema(tags=["staff: support funds"])
class FundingCallViewSet(ClacGenericViewSet):
    """Funding calls, newest first, with their approved total."""

    permission_classes = [SupportRoles]
    serializer_class = CallSerializer
    pagination_class = CallPagination
    queryset = FundingCall.objects.none()

    def get_queryset(self) -> QuerySet:
        return selectors.call_list()

    @extend_schema(summary="List funding calls")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(CallSerializer(page, many=True).data)

    @extend_schema(summary="One funding call with its applications ranked", responses=CallDetailSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        call = selectors.call_get_for_user(user=request.user, pk=url_pk(pk))
        data: dict[str, Any] = dict(CallSerializer(call).data)
        data["ranking"] = RankedSerializer(selectors.call_applications_ranking(call=call), many=True).data
        return Response(data)


@extend_schema(tags=["staff: support funds"])
class SupportApplicationViewSet(ClacGenericViewSet):
    """Applications past draft (filter by call and status), and the review, decision,
    disbursement and final report of one."""

    permission_classes = [SupportRoles]
    reviewer_actions = frozenset({"scores"})
    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilter
    pagination_class = ApplicationPagination
    queryset = SupportApplication.objects.none()

    def get_queryset(self) -> QuerySet:
        return SupportApplication.objects.exclude(status=SupportApplication.Status.DRAFT).select_related("organization")

    def _get(self, request: Request, pk: str) -> SupportApplication:
        return selectors.application_get_for_user(user=request.user, pk=url_pk(pk))

    @extend_schema(summary="List applications")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ApplicationSerializer(page, many=True).data)

    def _detail(self, request: Request, pk: int | str, status: int = 200) -> Response:
        review = selectors.application_review_get_for_user(user=request.user, pk=url_pk(pk))
        return Response(application_detail_data(review), status=status)

    @extend_schema(
        summary="One application with its scores, weighted score, tranches and final report",
        responses=ApplicationDetailSerializer,
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(request, pk)

    @extend_schema(
        summary="Approve with an amount in USD (within the call's budget)",
        request=ApproveSerializer,
        responses=ApplicationDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        application = self._get(request, pk)
        data = validated(ApproveSerializer, request.data)
        services.application_approve(
            actor=request_user(request), application=application, amount_usd=data["amount_usd"]
        )
        return self._detail(request, pk)

    @extend_schema(summary="Reject with a reason", request=RejectSerializer, responses=ApplicationDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        application = self._get(request, pk)
        data = validated(RejectSerializer, request.data)
        services.application_reject(actor=request_user(request), application=application, reason=data["reason"])
        return self._detail(request, pk)

    @extend_schema(
        summary="Record your scores (criterion id → score from 0 to its maximum); M&E officers too",
        request=ScoresSerializer,
        responses=ApplicationDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def scores(self, request: Request, pk: str) -> Response:
        application = self._get(request, pk)
        data = validated(ScoresSerializer, request.data)
        services.scores_record(
            reviewer=request_user(request),
            application=application,
            scores={item["criterion"]: item["score"] for item in data["scores"]},
        )
        return self._detail(request, pk)

    @extend_schema(
        summary="Plan a tranche of the approved amount (USD)",
        request=TranchePlanSerializer,
        responses={201: ApplicationDetailSerializer},
    )
    @action(detail=True, methods=["post"])
    def tranches(self, request: Request, pk: str) -> Response:
        application = self._get(request, pk)
        data = validated(TranchePlanSerializer, request.data)
        services.tranche_plan(
            actor=request_user(request), application=application, amount=data["amount"], planned_on=data["planned_on"]
        )
        return self._detail(request, pk, status=201)

    @extend_schema(
        summary="Mark a tranche paid: posts it to the journal",
        request=TranchePaySerializer,
        responses=ApplicationDetailSerializer,
        parameters=[OpenApiParameter("tranche_id", int, OpenApiParameter.PATH)],
    )
    @action(detail=True, methods=["post"], url_path=r"tranches/(?P<tranche_id>[0-9]+)/pay", url_name="tranche-pay")
    def tranche_pay(self, request: Request, pk: str, tranche_id: str) -> Response:
        application = self._get(request, pk)
        tranche = selectors.tranche_get(application=application, pk=url_pk(tranche_id))
        data = validated(TranchePaySerializer, request.data)
        services.tranche_pay(actor=request_user(request), tranche=tranche, paid_on=data["paid_on"])
        return self._detail(request, pk)

    @extend_schema(
        summary="Accept the final report, or ask for changes with a comment",
        request=ReportReviewSerializer,
        responses=ApplicationDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="report-review", url_name="report-review")
    def report_review(self, request: Request, pk: str) -> Response:
        application = self._get(request, pk)
        data = validated(ReportReviewSerializer, request.data)
        report = selectors.final_report_of(application=application)
        if report is None:
            raise ValidationError(_("This application has no final report to review yet."))
        services.report_review(
            actor=request_user(request), report=report, accept=data["accept"], comment=data["comment"]
        )
        return self._detail(request, pk)


def register(router: SimpleRouter) -> None:
    router.register("support-calls", FundingCallViewSet, basename="support-call")
    router.register("support-applications", SupportApplicationViewSet, basename="support-application")


urlpatterns: list = []
ACCESS: dict[str, str] = {
    f"api-v1:{name}": ACCESS_API
    for name in (
        "support-call-list",
        "support-call-detail",
        "support-application-list",
        "support-application-detail",
        "support-application-approve",
        "support-application-reject",
        "support-application-scores",
        "support-application-tranches",
        "support-application-tranche-pay",
        "support-application-report-review",
    )
}
