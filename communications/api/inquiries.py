"""API of the inquiries from the public contact form, for staff scripts only: read the list
(filters: status, category, language, assignee, received after/before) and one inquiry with
its thread, and handle it as the dashboard does: assign, reply by e-mail (sent after commit,
in the inquiry's language), add an internal note, close, reopen. Each write answers with the
inquiry and its thread. Administrators and the communications team only (communications
.selectors.inquiries.INQUIRY_HANDLERS); other staff roles, portal users and every partner key
get 403 (inquiries hold personal data of the public, and no partner scope reads them).

`register(router)` adds the viewset, `ACCESS` names its routes (clac.plugins.ACCESS_API)."""

from typing import Any

import django_filters
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
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
from communications.models import Inquiry, InquiryMessage
from communications.selectors import inquiries as selectors
from communications.services import inquiries as services
from members.api.common import url_pk, validated


class InquiryHandlers(BasePermission):
    """Administrators and the communications team, reading and handling; partner keys never."""

    message = _("Only the communications team and administrators handle inquiries.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return not request_is_partner(request) and selectors.user_can_handle_inquiries(request.user)


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


# --- Inputs of the writes (the rules are the services'; these only parse) ---------------------


CHOOSE_ASSIGNEE = _("Choose an active member of the communications team or an administrator.")


class InquiryAssignInputSerializer(serializers.Serializer):
    # The dashboard's choice list, as ids. The service has no "unassign" (an assigned inquiry
    # always names who handles it), so null is refused like an unknown, inactive or
    # non-handler user, with the service's own message.
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=selectors.inquiry_assignees(),
        help_text="Staff user id: an active administrator or member of the communications team (oneself included).",
        error_messages={"does_not_exist": CHOOSE_ASSIGNEE, "incorrect_type": CHOOSE_ASSIGNEE, "null": CHOOSE_ASSIGNEE},
    )


class InquiryReplyInputSerializer(serializers.Serializer):
    body = serializers.CharField(
        max_length=10_000,
        help_text="Sent by e-mail to the sender after commit; write it in the inquiry's language.",
    )


class InquiryNoteInputSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=10_000, help_text="Internal: only CLAC staff see notes.")


class InquiryCloseInputSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=1000,
        required=False,
        allow_blank=True,
        default="",
        help_text="Why, optionally (e.g. “Answered by phone”, “Spam”); kept in the thread.",
    )


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

    def _detail(self, request: Request, pk: int) -> Response:
        inquiry = selectors.inquiry_get_for_user(user=request.user, pk=pk)
        inquiry.thread_rows = selectors.inquiry_thread(inquiry=inquiry)  # type: ignore[attr-defined]
        return Response(InquiryDetailSerializer(inquiry).data)

    def _for_change(self, request: Request, pk: str) -> Inquiry:
        return selectors.inquiry_get_for_user(user=request.user, pk=url_pk(pk), for_change=True)

    @extend_schema(summary="One inquiry with its thread", responses=InquiryDetailSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(request, url_pk(pk))

    @extend_schema(
        summary="Give the inquiry to an administrator or a member of the communications team",
        description="A new inquiry becomes assigned; an answered one keeps its status. Refused for a closed "
        "inquiry (reopen it first). The change joins the thread.",
        request=InquiryAssignInputSerializer,
        responses=InquiryDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        inquiry = self._for_change(request, pk)
        data = validated(InquiryAssignInputSerializer, request.data)
        services.inquiry_assign(actor=request_user(request), inquiry=inquiry, assignee=data["assignee"])
        return self._detail(request, inquiry.pk)

    @extend_schema(
        summary="Answer the sender by e-mail",
        description="The reply joins the thread (delivery `queued`) and the inquiry becomes answered; the e-mail "
        "goes out once the request is committed, in the inquiry's language, and its delivery shows in the thread. "
        "Refused for a closed inquiry and for one whose sender's details were erased.",
        request=InquiryReplyInputSerializer,
        responses=InquiryDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def reply(self, request: Request, pk: str) -> Response:
        inquiry = self._for_change(request, pk)
        data = validated(InquiryReplyInputSerializer, request.data)
        services.inquiry_reply(actor=request_user(request), inquiry=inquiry, body=data["body"])
        return self._detail(request, inquiry.pk)

    @extend_schema(
        summary="Add an internal note (never sent to the sender)",
        request=InquiryNoteInputSerializer,
        responses=InquiryDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="notes", url_name="notes")
    def notes(self, request: Request, pk: str) -> Response:
        inquiry = self._for_change(request, pk)
        data = validated(InquiryNoteInputSerializer, request.data)
        services.inquiry_note_add(actor=request_user(request), inquiry=inquiry, body=data["body"])
        return self._detail(request, inquiry.pk)

    @extend_schema(
        summary="Close the inquiry (answered, or needing no answer: say why in the note)",
        description="Refused when it is already closed. Retention erases the sender's details some time after.",
        request=InquiryCloseInputSerializer,
        responses=InquiryDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        inquiry = self._for_change(request, pk)
        data = validated(InquiryCloseInputSerializer, request.data)
        services.inquiry_close(actor=request_user(request), inquiry=inquiry, note=data["note"])
        return self._detail(request, inquiry.pk)

    @extend_schema(
        summary="Open a closed inquiry again",
        description="Assigned when it has an assignee, new otherwise. Refused when it is not closed or its "
        "sender's details were erased.",
        request=None,
        responses=InquiryDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        inquiry = self._for_change(request, pk)
        services.inquiry_reopen(actor=request_user(request), inquiry=inquiry)
        return self._detail(request, inquiry.pk)


def register(router: SimpleRouter) -> None:
    router.register("inquiries", InquiryViewSet, basename="inquiry")


ACCESS: dict[str, str] = {
    f"api-v1:inquiry-{name}": ACCESS_API for name in ("list", "detail", "assign", "reply", "notes", "close", "reopen")
}
