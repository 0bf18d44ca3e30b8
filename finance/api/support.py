"""Staff API of the support funds: calls (list, one with its applications ranked by weighted
score) and applications (list filtered by call and status, one, approve with an amount, reject
with a reason). Finance staff and administrators read and decide; M&E officers read (they score
in the dashboard); other roles, portal users and partner keys get 403. Decisions go through
finance.services.support (the call's budget cap under a lock); refusals are the platform's 400.

`register(router)` adds the viewsets, `ACCESS` names their routes (clac.plugins.ACCESS_API)."""

from decimal import Decimal
from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
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
from finance.models import FundingCall, SupportApplication
from finance.selectors import support as selectors
from finance.services import support as services
from members.api.common import url_pk, validated


class SupportRoles(BasePermission):
    """Reviewers (finance, admin, M&E) read; managers (finance, admin) decide."""

    message = "Only CLAC finance staff can use this endpoint."

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request_is_partner(request):
            return False
        roles = selectors.REVIEWERS if request.method in SAFE_METHODS else selectors.MANAGERS
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
    """Applications past draft (filter by call and status), and the decision on one."""

    permission_classes = [SupportRoles]
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

    @extend_schema(summary="One application")
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ApplicationSerializer(self._get(request, pk)).data)

    @extend_schema(summary="Approve with an amount in USD (within the call's budget)", request=ApproveSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Request, pk: str) -> Response:
        application = self._get(request, pk)
        data = validated(ApproveSerializer, request.data)
        approved = services.application_approve(
            actor=request_user(request), application=application, amount_usd=data["amount_usd"]
        )
        return Response(ApplicationSerializer(self._get(request, str(approved.pk))).data)

    @extend_schema(summary="Reject with a reason", request=RejectSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        application = self._get(request, pk)
        data = validated(RejectSerializer, request.data)
        services.application_reject(actor=request_user(request), application=application, reason=data["reason"])
        return Response(ApplicationSerializer(self._get(request, pk)).data)


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
    )
}
