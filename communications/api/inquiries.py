"""API of the inquiries from the public contact form, for staff scripts only: read the list
(filters: status, category, language, assignee, received after/before) and one inquiry with
its thread. Administrators and the communications team only (communications.selectors
.inquiries.INQUIRY_HANDLERS); other staff roles, portal users and every partner key get 403
(inquiries hold personal data of the public, and no partner scope reads them).

`register(router)` adds the viewset, `ACCESS` names its routes (clac.plugins.ACCESS_API)."""

from typing import Any

import django_filters
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from clac.api.filters import IdFilter
from clac.api.pagination import DefaultCursorPagination
from clac.api.permissions import request_is_partner
from clac.api.views import ClacGenericViewSet
from clac.plugins import ACCESS_API
from communications.models import Inquiry, InquiryMessage
from communications.selectors import inquiries as selectors
from members.api.common import url_pk


class InquiryHandlers(BasePermission):
    """Administrators and the communications team, reading; partner keys never."""

    message = _("Only CLAC's communications team and administrators can read inquiries.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return (
            request.method in SAFE_METHODS
            and not request_is_partner(request)
            and selectors.user_can_handle_inquiries(request.user)
        )


class InquiryCursorPagination(DefaultCursorPagination):
    max_page_size = 200
    ordering: tuple[str, ...] = ("-received_at", "-id")


class UserRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


def _user_ref(user: Any) -> dict[str, Any] | None:
    return {"id": user.pk, "name": user.get_full_name() or user.get_username()} if user is not None else None


class InquiryOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    category = serializers.ChoiceField(choices=Inquiry.Category.choices)
    language = serializers.CharField(help_text="The sender's language (es, en, pt-br, fr).")
    status = serializers.ChoiceField(choices=Inquiry.Status.choices)
    assignee = serializers.SerializerMethodField()
    received_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    name = serializers.CharField()
    organization = serializers.CharField()
    country = serializers.CharField(source="country.code")
    email = serializers.CharField()
    phone = serializers.CharField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    anonymized_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(UserRefSerializer(allow_null=True))
    def get_assignee(self, obj: Inquiry) -> dict[str, Any] | None:
        return _user_ref(obj.assignee)


class InquiryMessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=InquiryMessage.Kind.choices)
    author = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    body = serializers.CharField()
    status_to = serializers.CharField(help_text="Changes: the status the inquiry moved to.")
    assignee = serializers.SerializerMethodField(help_text="Assignments: who was given the inquiry.")
    delivery = serializers.CharField(help_text="Replies: queued, sending, sent or failed.")
    sent_at = serializers.DateTimeField(allow_null=True)
    delivery_error = serializers.CharField()

    @extend_schema_field(UserRefSerializer(allow_null=True))
    def get_author(self, obj: InquiryMessage) -> dict[str, Any] | None:
        return _user_ref(obj.author)

    @extend_schema_field(UserRefSerializer(allow_null=True))
    def get_assignee(self, obj: InquiryMessage) -> dict[str, Any] | None:
        return _user_ref(obj.assignee)


class InquiryDetailSerializer(InquiryOutputSerializer):
    consent_version = serializers.CharField()
    consent_given_at = serializers.DateTimeField()
    thread = InquiryMessageSerializer(many=True, source="thread_rows")


class InquiryFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Inquiry.Status.choices)
    category = django_filters.ChoiceFilter(choices=Inquiry.Category.choices)
    language = django_filters.ChoiceFilter(choices=[(code, code) for code, _name in settings.LANGUAGES])
    assignee = IdFilter(field_name="assignee_id", help_text="Staff user id.")
    received_after = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="gte")
    received_before = django_filters.IsoDateTimeFilter(field_name="received_at", lookup_expr="lt")

    class Meta:
        model = Inquiry
        fields: list[str] = []


@extend_schema(tags=["staff: inquiries"])
class InquiryViewSet(ClacGenericViewSet):
    """Questions sent through the public contact form, newest first."""

    permission_classes = [InquiryHandlers]
    serializer_class = InquiryOutputSerializer
    filterset_class = InquiryFilter
    pagination_class = InquiryCursorPagination
    queryset = Inquiry.objects.none()

    def get_queryset(self) -> QuerySet:
        return selectors.inquiry_list()

    @extend_schema(summary="List inquiries")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(InquiryOutputSerializer(page, many=True).data)

    @extend_schema(summary="One inquiry with its thread", responses=InquiryDetailSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        inquiry = selectors.inquiry_get_for_user(user=request.user, pk=url_pk(pk))
        inquiry.thread_rows = selectors.inquiry_thread(inquiry=inquiry)  # type: ignore[attr-defined]
        return Response(InquiryDetailSerializer(inquiry).data)


def register(router: SimpleRouter) -> None:
    router.register("inquiries", InquiryViewSet, basename="inquiry")


ACCESS: dict[str, str] = {"api-v1:inquiry-list": ACCESS_API, "api-v1:inquiry-detail": ACCESS_API}
