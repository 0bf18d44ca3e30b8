"""API of the meetings area, for CLAC staff only (partner keys and portal users get 403):
meetings (list, one, plan, change, cancel, mark held, record attendance), their agreements and
the agreements' follow-up actions. Every staff role reads; administrators and the coordinators
of the meeting's network write. Single objects come through the access helpers of
networks.selectors.meetings (for_change on writes), so the rules are the dashboard's.

`register(router)` adds the viewsets, `ACCESS` names their routes (clac.plugins.ACCESS_API)."""

from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from clac.access import request_user
from clac.api.filters import ID_MAX, IdFilter, StrictBooleanFilter
from clac.api.pagination import DefaultCursorPagination
from clac.models import User
from clac.plugins import ACCESS_API
from clac.roles import StaffRole
from members.api.common import validated
from members.models import Organization, Person
from networks.api.common import NetworksStaffViewSet
from networks.markup import minutes_html
from networks.models import Agreement, Body, FollowUpAction, Meeting, Network
from networks.selectors import meetings as selectors
from networks.services import meetings as services

WRITE_ROLES = (StaffRole.ADMIN, StaffRole.COORDINATOR)


# --- Pagination and the shared viewset base -------------------------------------------------


class MeetingCursorPagination(DefaultCursorPagination):
    max_page_size = 200
    ordering: tuple[str, ...] = ("-starts_at", "-id")


class ActionCursorPagination(MeetingCursorPagination):
    ordering = ("due_date", "id")


class AgreementCursorPagination(MeetingCursorPagination):
    ordering = ("-id",)


# get_object() through the entity's access helper, `for_change` on writes (403 when the
# meeting's network is not the user's to change).
MeetingsStaffViewSet = NetworksStaffViewSet


# --- Serializers ----------------------------------------------------------------------------


class MeetingRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class MeetingOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    body = MeetingRefSerializer(allow_null=True)
    network = serializers.SerializerMethodField(help_text="The meeting's network (a body's network for body meetings).")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(allow_null=True)
    modality = serializers.ChoiceField(choices=Meeting.Modality.choices)
    place = serializers.CharField()
    online_url = serializers.CharField()
    agenda = serializers.CharField()
    status = serializers.ChoiceField(choices=Meeting.Status.choices)
    cancellation_reason = serializers.CharField()
    attendance_count = serializers.IntegerField(required=False, help_text="People and organizations present.")
    agreement_count = serializers.IntegerField(required=False)

    @extend_schema_field(MeetingRefSerializer(allow_null=True))
    def get_network(self, obj: Meeting) -> dict[str, Any] | None:
        network = selectors.meeting_network(obj)
        return {"id": network.pk, "name": network.name} if network is not None else None


class AttendanceOutputSerializer(serializers.Serializer):
    person = serializers.SerializerMethodField()
    organization = MeetingRefSerializer(allow_null=True)
    present = serializers.BooleanField()

    @extend_schema_field(MeetingRefSerializer(allow_null=True))
    def get_person(self, obj) -> dict[str, Any] | None:
        return {"id": obj.person.pk, "name": obj.person.full_name} if obj.person is not None else None


class ActionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    agreement = serializers.IntegerField(source="agreement_id")
    description = serializers.CharField()
    owner_person = serializers.SerializerMethodField()
    owner_user = serializers.SerializerMethodField()
    due_date = serializers.DateField()
    status = serializers.ChoiceField(choices=FollowUpAction.Status.choices)
    completed_on = serializers.DateField(allow_null=True)
    overdue = serializers.SerializerMethodField()

    @extend_schema_field(MeetingRefSerializer(allow_null=True))
    def get_owner_person(self, obj: FollowUpAction) -> dict[str, Any] | None:
        person = obj.owner_person
        return {"id": person.pk, "name": person.full_name} if person is not None else None

    @extend_schema_field(MeetingRefSerializer(allow_null=True))
    def get_owner_user(self, obj: FollowUpAction) -> dict[str, Any] | None:
        user = obj.owner_user
        return {"id": user.pk, "name": user.get_full_name() or user.get_username()} if user is not None else None

    def get_overdue(self, obj: FollowUpAction) -> bool:
        return obj.is_pending and obj.due_date < self.context.get("today", timezone.localdate())


class AgreementOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    meeting = serializers.IntegerField(source="meeting_id")
    number = serializers.IntegerField()
    text = serializers.CharField()


class AgreementWithActionsSerializer(AgreementOutputSerializer):
    actions = ActionOutputSerializer(many=True, source="actions.all")


class MeetingDetailSerializer(MeetingOutputSerializer):
    minutes = serializers.CharField(help_text="Markdown source.")
    minutes_html = serializers.SerializerMethodField(help_text="Sanitized HTML.")
    attendance = AttendanceOutputSerializer(many=True, source="attendance_rows")
    agreements = AgreementWithActionsSerializer(many=True, source="agreement_rows")

    def get_minutes_html(self, obj: Meeting) -> str:
        return str(minutes_html(obj.minutes))


class MeetingInputSerializer(serializers.Serializer):
    body = serializers.PrimaryKeyRelatedField(queryset=Body.objects.all(), required=False, allow_null=True)
    network = serializers.PrimaryKeyRelatedField(queryset=Network.objects.all(), required=False, allow_null=True)
    title = serializers.CharField(max_length=200)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField(required=False, allow_null=True)
    modality = serializers.ChoiceField(choices=Meeting.Modality.choices)
    place = serializers.CharField(max_length=300, required=False, allow_blank=True)
    online_url = serializers.URLField(max_length=500, required=False, allow_blank=True)
    agenda = serializers.CharField(required=False, allow_blank=True)
    minutes = serializers.CharField(required=False, allow_blank=True, help_text="Markdown.")


class MeetingUpdateSerializer(MeetingInputSerializer):
    """The owner (body or network) of a meeting does not change."""

    body = None  # type: ignore[assignment]
    network = None  # type: ignore[assignment]


class CancelInputSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class AttendanceEntryInputSerializer(serializers.Serializer):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all(), required=False, allow_null=True)
    organization = serializers.PrimaryKeyRelatedField(
        queryset=Organization.objects.all(), required=False, allow_null=True
    )
    present = serializers.BooleanField(default=True)


class AttendanceInputSerializer(serializers.Serializer):
    entries = AttendanceEntryInputSerializer(many=True, help_text="The whole list; it replaces the previous one.")


class AgreementInputSerializer(serializers.Serializer):
    meeting = serializers.IntegerField(min_value=1, max_value=ID_MAX)
    number = serializers.IntegerField(min_value=1, max_value=32767, required=False, allow_null=True)
    text = serializers.CharField()


class AgreementUpdateSerializer(serializers.Serializer):
    text = serializers.CharField()


class ActionInputSerializer(serializers.Serializer):
    agreement = serializers.IntegerField(min_value=1, max_value=ID_MAX)
    description = serializers.CharField()
    owner_person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all(), required=False, allow_null=True)
    owner_user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    due_date = serializers.DateField()


class ActionUpdateSerializer(serializers.Serializer):
    description = serializers.CharField(required=False)
    owner_person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all(), required=False, allow_null=True)
    owner_user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all(), required=False, allow_null=True)
    due_date = serializers.DateField(required=False)
    status = serializers.ChoiceField(choices=FollowUpAction.Status.choices, required=False)
    completed_on = serializers.DateField(required=False, allow_null=True, help_text="When done; empty: today.")


# --- Filters --------------------------------------------------------------------------------


class MeetingFilter(django_filters.FilterSet):
    network = IdFilter(method="filter_network", help_text="Network id (its bodies included).")
    body = IdFilter(field_name="body_id")
    when = django_filters.ChoiceFilter(
        method="filter_when", choices=[("upcoming", "upcoming"), ("past", "past")], help_text="Upcoming or past."
    )
    modality = django_filters.ChoiceFilter(choices=Meeting.Modality.choices)
    status = django_filters.ChoiceFilter(choices=Meeting.Status.choices)

    class Meta:
        model = Meeting
        fields: list[str] = []

    def filter_network(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queryset.filter(selectors._network_q([value]))

    def filter_when(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        now = timezone.now()
        return queryset.filter(starts_at__gte=now) if value == "upcoming" else queryset.filter(starts_at__lt=now)


class AgreementFilter(django_filters.FilterSet):
    meeting = IdFilter(field_name="meeting_id")

    class Meta:
        model = Agreement
        fields: list[str] = []


class ActionFilter(django_filters.FilterSet):
    network = IdFilter(method="filter_network", help_text="Network id (its bodies included).")
    meeting = IdFilter(field_name="agreement__meeting_id")
    agreement = IdFilter(field_name="agreement_id")
    status = django_filters.ChoiceFilter(choices=FollowUpAction.Status.choices)
    overdue = StrictBooleanFilter(method="filter_overdue", help_text="Due before today and still pending.")

    class Meta:
        model = FollowUpAction
        fields: list[str] = []

    def filter_network(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return selectors._actions_in_networks(queryset, [value])

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        pending = queryset.filter(status__in=FollowUpAction.PENDING_STATUSES, due_date__lt=timezone.localdate())
        return pending if value else queryset.exclude(pk__in=pending.values("pk"))


# --- Viewsets -------------------------------------------------------------------------------


@extend_schema(tags=["staff: meetings"])
class MeetingViewSet(MeetingsStaffViewSet[Meeting]):
    """Meetings of CLAC's bodies, of the networks' bodies and of whole networks."""

    serializer_class = MeetingOutputSerializer
    filterset_class = MeetingFilter
    pagination_class = MeetingCursorPagination
    queryset = Meeting.objects.none()
    access_helper = staticmethod(selectors.meeting_get_for_user)

    def get_queryset(self) -> QuerySet:
        return selectors.meeting_list()

    def _detail(self, meeting: Meeting, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.meeting_get_for_user(user=self.request.user, pk=meeting.pk)
        context = selectors.meeting_detail_context(meeting=fresh)
        fresh.attendance_rows = context["attendance"]  # type: ignore[attr-defined]
        fresh.agreement_rows = context["agreements"]  # type: ignore[attr-defined]
        data = MeetingDetailSerializer(fresh, context={"today": context["today"]}).data
        return Response(data, status=status_code)

    @extend_schema(summary="List meetings")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(MeetingOutputSerializer(page, many=True).data)

    @extend_schema(
        summary="One meeting, with minutes, attendance, agreements and actions", responses=MeetingDetailSerializer
    )
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._detail(self.get_object())

    @extend_schema(
        summary="Plan a meeting of a body or a network",
        request=MeetingInputSerializer,
        responses={201: MeetingDetailSerializer},
    )
    def create(self, request: Request) -> Response:
        data = validated(MeetingInputSerializer, request.data)
        meeting = services.meeting_create(actor=request_user(request), **data)
        return self._detail(meeting, status.HTTP_201_CREATED)

    @extend_schema(summary="Change a meeting", request=MeetingUpdateSerializer, responses=MeetingDetailSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        meeting = self.get_object()
        data = validated(MeetingUpdateSerializer, request.data, partial=True)
        meeting = services.meeting_update(actor=request_user(request), meeting=meeting, **data)
        return self._detail(meeting)

    @extend_schema(summary="Cancel a planned meeting", request=CancelInputSerializer, responses=MeetingDetailSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        meeting = self.get_object()
        data = validated(CancelInputSerializer, request.data)
        return self._detail(
            services.meeting_cancel(actor=request_user(request), meeting=meeting, reason=data["reason"])
        )

    @extend_schema(summary="Mark a planned meeting as held", request=None, responses=MeetingDetailSerializer)
    @action(detail=True, methods=["post"])
    def held(self, request: Request, pk: str) -> Response:
        meeting = self.get_object()
        return self._detail(services.meeting_mark_held(actor=request_user(request), meeting=meeting))

    @extend_schema(
        summary="Replace a meeting's attendance list",
        request=AttendanceInputSerializer,
        responses=MeetingDetailSerializer,
    )
    @action(detail=True, methods=["put"])
    def attendance(self, request: Request, pk: str) -> Response:
        meeting = self.get_object()
        data = validated(AttendanceInputSerializer, request.data)
        entries = [services.AttendanceEntry(**entry) for entry in data["entries"]]
        services.attendance_record(actor=request_user(request), meeting=meeting, entries=entries)
        return self._detail(meeting)


@extend_schema(tags=["staff: meetings"])
class AgreementViewSet(MeetingsStaffViewSet[Agreement]):
    """Agreements of held meetings (filter by `meeting`)."""

    serializer_class = AgreementOutputSerializer
    filterset_class = AgreementFilter
    pagination_class = AgreementCursorPagination
    queryset = Agreement.objects.none()
    access_helper = staticmethod(selectors.agreement_get_for_user)

    def get_queryset(self) -> QuerySet:
        return Agreement.objects.all()

    @extend_schema(summary="List agreements")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(AgreementOutputSerializer(page, many=True).data)

    @extend_schema(summary="One agreement")
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(AgreementOutputSerializer(self.get_object()).data)

    @extend_schema(
        summary="Record an agreement of a held meeting",
        request=AgreementInputSerializer,
        responses={201: AgreementOutputSerializer},
    )
    def create(self, request: Request) -> Response:
        data = validated(AgreementInputSerializer, request.data)
        meeting = selectors.meeting_get_for_user(user=request.user, pk=data["meeting"], for_change=True)
        agreement = services.agreement_add(
            actor=request_user(request), meeting=meeting, text=data["text"], number=data.get("number")
        )
        return Response(AgreementOutputSerializer(agreement).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Change an agreement's text", request=AgreementUpdateSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        agreement = self.get_object()
        data = validated(AgreementUpdateSerializer, request.data)
        agreement = services.agreement_update(actor=request_user(request), agreement=agreement, text=data["text"])
        return Response(AgreementOutputSerializer(agreement).data)


@extend_schema(tags=["staff: meetings"])
class FollowUpActionViewSet(MeetingsStaffViewSet[FollowUpAction]):
    """Follow-up actions of agreements, earliest due first (filter by network, meeting, status,
    overdue)."""

    serializer_class = ActionOutputSerializer
    filterset_class = ActionFilter
    pagination_class = ActionCursorPagination
    queryset = FollowUpAction.objects.none()
    access_helper = staticmethod(selectors.followup_action_get_for_user)

    def get_queryset(self) -> QuerySet:
        return FollowUpAction.objects.select_related("owner_person", "owner_user")

    def _respond(self, action_: FollowUpAction, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = selectors.followup_action_get_for_user(user=self.request.user, pk=action_.pk)
        return Response(ActionOutputSerializer(fresh).data, status=status_code)

    @extend_schema(summary="List follow-up actions")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(
            ActionOutputSerializer(page, many=True, context={"today": timezone.localdate()}).data
        )

    @extend_schema(summary="One follow-up action")
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(ActionOutputSerializer(self.get_object()).data)

    @extend_schema(
        summary="Add a follow-up action to an agreement (one owner: a person or a staff user)",
        request=ActionInputSerializer,
        responses={201: ActionOutputSerializer},
    )
    def create(self, request: Request) -> Response:
        data = validated(ActionInputSerializer, request.data)
        agreement = selectors.agreement_get_for_user(user=request.user, pk=data.pop("agreement"), for_change=True)
        created = services.followup_action_add(actor=request_user(request), agreement=agreement, **data)
        return self._respond(created, status.HTTP_201_CREATED)

    @extend_schema(summary="Change a follow-up action or its status", request=ActionUpdateSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        current = self.get_object()
        data = validated(ActionUpdateSerializer, request.data)
        new_status = data.pop("status", None)
        completed_on = data.pop("completed_on", None)
        if data:
            owner_given = "owner_person" in data or "owner_user" in data
            current = services.followup_action_update(
                actor=request_user(request),
                action=current,
                description=data.get("description", current.description),
                due_date=data.get("due_date", current.due_date),
                owner_person=data.get("owner_person") if owner_given else current.owner_person,
                owner_user=data.get("owner_user") if owner_given else current.owner_user,
            )
        if new_status is not None:
            current = services.followup_action_set_status(
                actor=request_user(request), action=current, status=new_status, completed_on=completed_on
            )
        return self._respond(current)


def register(router: SimpleRouter) -> None:
    router.register("meetings", MeetingViewSet, basename="meeting")
    router.register("meeting-agreements", AgreementViewSet, basename="meeting-agreement")
    router.register("followup-actions", FollowUpActionViewSet, basename="followup-action")


urlpatterns: list = []
ACCESS: dict[str, str] = {
    f"api-v1:{name}": ACCESS_API
    for name in (
        "meeting-list",
        "meeting-detail",
        "meeting-cancel",
        "meeting-held",
        "meeting-attendance",
        "meeting-agreement-list",
        "meeting-agreement-detail",
        "followup-action-list",
        "followup-action-detail",
    )
}
