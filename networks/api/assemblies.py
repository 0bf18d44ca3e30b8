"""API of the assemblies area, for CLAC staff: assembly sessions (with the actions that move them:
open and close designation, accredit delegates, certify the quorum, close), their delegates
and motions (record a tally, withdraw). Every staff role reads; administrators and the
coordinators of the body's network write (the access helpers decide, as in the dashboard).
Partner keys and portal users are refused. `register(router)` adds the viewsets; `ACCESS`
names their routes."""

from typing import Any

import django_filters
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from clac.access import request_user
from clac.api.filters import IdFilter
from clac.plugins import ACCESS_API
from clac.roles import StaffRole
from members.api.common import CountryCodeField, country_codes_clean, validated
from members.models import Country, Organization, Person, ProductNetwork
from networks.api.common import ID_MAX, VOTES_MAX, NetworksStaffViewSet
from networks.models import AssemblySession, Body, Delegate, Motion
from networks.selectors import assemblies as selectors
from networks.selectors.networks import network_can_change
from networks.services import assemblies as services

WRITE_ROLES = (StaffRole.ADMIN, StaffRole.COORDINATOR)


# --- Serializers --------------------------------------------------------------------------


class AssemblyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class QuorumSerializer(serializers.Serializer):
    accredited_votes = serializers.IntegerField()
    accredited_count = serializers.IntegerField()
    designated_votes = serializers.IntegerField()
    designated_count = serializers.IntegerField()
    withdrawn_count = serializers.IntegerField()
    expected_votes = serializers.IntegerField(allow_null=True)
    quorum_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    needed_votes = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    met = serializers.BooleanField()


class AssemblySessionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    body = AssemblyRefSerializer()
    network = serializers.SerializerMethodField()
    title = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    place = serializers.CharField()
    status = serializers.ChoiceField(choices=AssemblySession.Status.choices)
    quorum_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    expected_votes = serializers.IntegerField(allow_null=True)
    delegates_per_organization = serializers.IntegerField()
    quorum_certified_at = serializers.DateTimeField(allow_null=True)
    quorum_votes = serializers.IntegerField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    accredited_votes = serializers.SerializerMethodField()
    delegate_count = serializers.IntegerField(help_text="Delegates not withdrawn.")

    @extend_schema_field(AssemblyRefSerializer(allow_null=True))
    def get_network(self, obj: AssemblySession) -> dict[str, Any] | None:
        network = obj.body.network
        return {"id": network.pk, "name": network.name} if network is not None else None

    def get_accredited_votes(self, obj: AssemblySession) -> int:
        # A queryset annotation (assembly_session_list()), not a field the stubs know.
        return obj.accredited_votes or 0  # type: ignore[attr-defined]


class AssemblySessionDetailSerializer(AssemblySessionSerializer):
    quorum = QuorumSerializer()


class AssemblySessionInputSerializer(serializers.Serializer):
    body = serializers.PrimaryKeyRelatedField(
        queryset=Body.objects.filter(kind__in=AssemblySession.BODY_KINDS), help_text="Id of the assembly body."
    )
    title = serializers.CharField(max_length=200)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    quorum_percent = serializers.DecimalField(max_digits=5, decimal_places=2, required=False)
    expected_votes = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    delegates_per_organization = serializers.IntegerField(min_value=1, max_value=20, required=False)


class AssemblySessionUpdateSerializer(AssemblySessionInputSerializer):
    body = None  # type: ignore[assignment]  # a session stays with its assembly


class AccreditInputSerializer(serializers.Serializer):
    delegates = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=ID_MAX), min_length=1, max_length=1000
    )


class AccreditOutputSerializer(serializers.Serializer):
    accredited = serializers.IntegerField()
    session = AssemblySessionDetailSerializer()


class DelegateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    session = serializers.IntegerField(source="session_id")
    organization = AssemblyRefSerializer()
    person = serializers.SerializerMethodField()
    country = serializers.CharField(source="country_id", allow_null=True)
    product_network = serializers.CharField()
    votes = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Delegate.Status.choices)
    designated_at = serializers.DateTimeField(allow_null=True)
    accredited_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(AssemblyRefSerializer)
    def get_person(self, obj: Delegate) -> dict[str, Any]:
        return {"id": obj.person_id, "name": str(obj.person)}


class DelegateInputSerializer(serializers.Serializer):
    session = serializers.IntegerField(min_value=1, max_value=ID_MAX)
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())
    country = CountryCodeField(queryset=Country.objects.all(), required=False, allow_null=True, help_text="ISO code.")
    product_network = serializers.ChoiceField(choices=ProductNetwork.choices, required=False, allow_blank=True)
    votes = serializers.IntegerField(min_value=1, max_value=1000, required=False)


class DelegateUpdateSerializer(serializers.Serializer):
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all(), required=False)
    country = CountryCodeField(queryset=Country.objects.all(), required=False, allow_null=True, help_text="ISO code.")
    product_network = serializers.ChoiceField(choices=ProductNetwork.choices, required=False, allow_blank=True)
    votes = serializers.IntegerField(min_value=1, max_value=1000, required=False)


class MotionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    session = serializers.IntegerField(source="session_id")
    number = serializers.IntegerField()
    title = serializers.CharField()
    text = serializers.CharField()
    requires_two_thirds = serializers.BooleanField()
    votes_for = serializers.IntegerField(allow_null=True)
    votes_against = serializers.IntegerField(allow_null=True)
    votes_abstain = serializers.IntegerField(allow_null=True)
    result = serializers.ChoiceField(choices=Motion.Result.choices)
    recorded_at = serializers.DateTimeField(allow_null=True)


class MotionInputSerializer(serializers.Serializer):
    session = serializers.IntegerField(min_value=1, max_value=ID_MAX)
    number = serializers.IntegerField(min_value=1, max_value=999, required=False, allow_null=True)
    title = serializers.CharField(max_length=300)
    text = serializers.CharField(required=False, allow_blank=True)
    requires_two_thirds = serializers.BooleanField(required=False, default=False)


class MotionUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    text = serializers.CharField(required=False, allow_blank=True, default="")
    requires_two_thirds = serializers.BooleanField(required=False, default=False)


class TallyInputSerializer(serializers.Serializer):
    votes_for = serializers.IntegerField(min_value=0, max_value=VOTES_MAX)
    votes_against = serializers.IntegerField(min_value=0, max_value=VOTES_MAX)
    votes_abstain = serializers.IntegerField(min_value=0, max_value=VOTES_MAX)


# --- Filters ------------------------------------------------------------------------------


class AssemblySessionFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AssemblySession.Status.choices)
    network = IdFilter(field_name="body__network_id")
    body = IdFilter(field_name="body_id")

    class Meta:
        model = AssemblySession
        fields: list[str] = []


class DelegateFilter(django_filters.FilterSet):
    session = IdFilter(field_name="session_id")
    organization = IdFilter(field_name="organization_id")
    country = django_filters.CharFilter(method="filter_country", help_text="ISO country code(s), comma-separated.")
    product_network = django_filters.ChoiceFilter(choices=ProductNetwork.choices)
    status = django_filters.ChoiceFilter(choices=Delegate.Status.choices)

    class Meta:
        model = Delegate
        fields: list[str] = []

    def filter_country(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(country_id__in=country_codes_clean(value, field=name))


class MotionFilter(django_filters.FilterSet):
    session = IdFilter(field_name="session_id")
    result = django_filters.ChoiceFilter(choices=Motion.Result.choices)

    class Meta:
        model = Motion
        fields: list[str] = []


# --- Viewsets -----------------------------------------------------------------------------


class _AssemblyViewSet[M: Model](NetworksStaffViewSet[M]):
    """Objects come through the area's access helpers, with `for_change` on writes (403 for
    a coordinator of another network, and for every staff role but admin on the General
    Assembly)."""

    def _session_for_change(self, pk: int) -> AssemblySession:
        return selectors.assembly_session_get_for_user(user=self.request.user, pk=pk, for_change=True)


def _session_payload(session: AssemblySession) -> dict[str, Any]:
    fresh = selectors.assembly_session_list().get(pk=session.pk)
    fresh.quorum = selectors.assembly_quorum_figures(session=fresh)
    return AssemblySessionDetailSerializer(fresh).data


@extend_schema(tags=["staff: assemblies"])
class AssemblySessionViewSet(_AssemblyViewSet[AssemblySession]):
    """Sessions of the General Assembly and of the networks' assemblies."""

    serializer_class = AssemblySessionSerializer
    filterset_class = AssemblySessionFilter
    queryset = AssemblySession.objects.none()

    access_helper = staticmethod(selectors.assembly_session_get_for_user)

    def get_queryset(self) -> QuerySet:
        return selectors.assembly_session_list()

    def _respond(self, session: AssemblySession, code: int = status.HTTP_200_OK) -> Response:
        return Response(_session_payload(session), status=code)

    @extend_schema(summary="List assembly sessions")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(AssemblySessionSerializer(page, many=True).data)

    @extend_schema(summary="One session with its quorum figures", responses=AssemblySessionDetailSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._respond(self.get_object())

    @extend_schema(
        summary="Create a session (in preparation)",
        request=AssemblySessionInputSerializer,
        responses={201: AssemblySessionDetailSerializer},
    )
    def create(self, request: Request) -> Response:
        data = validated(AssemblySessionInputSerializer, request.data)
        body = data.pop("body")
        if not network_can_change(request.user, body.network):
            raise PermissionDenied
        session = services.assembly_session_create(actor=request_user(request), body=body, **data)
        return self._respond(session, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a session's title, dates, place, quorum rule or delegate cap",
        request=AssemblySessionUpdateSerializer,
        responses=AssemblySessionDetailSerializer,
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        session = self.get_object()
        data = validated(AssemblySessionUpdateSerializer, request.data, partial=True)
        return self._respond(services.assembly_session_update(actor=request_user(request), session=session, **data))

    def _step(self, request: Request, service: Any) -> Response:
        session = self.get_object()
        return self._respond(service(actor=request_user(request), session=session))

    @extend_schema(summary="Open the designation of delegates", request=None, responses=AssemblySessionDetailSerializer)
    @action(detail=True, methods=["post"], url_path="open-designation")
    def open_designation(self, request: Request, pk: str) -> Response:
        return self._step(request, services.assembly_designation_open)

    @extend_schema(
        summary="Close designation and start accreditation (fixes the expected votes when unset)",
        request=None,
        responses=AssemblySessionDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="close-designation")
    def close_designation(self, request: Request, pk: str) -> Response:
        return self._step(request, services.assembly_designation_close)

    @extend_schema(
        summary="Accredit the delegates present", request=AccreditInputSerializer, responses=AccreditOutputSerializer
    )
    @action(detail=True, methods=["post"])
    def accredit(self, request: Request, pk: str) -> Response:
        session = self.get_object()
        data = validated(AccreditInputSerializer, request.data)
        count = services.delegates_accredit(
            actor=request_user(request), session=session, delegate_ids=data["delegates"]
        )
        return Response({"accredited": count, "session": _session_payload(session)})

    @extend_schema(
        summary="Certify the quorum (refused with both figures when not met); the session opens",
        request=None,
        responses=AssemblySessionDetailSerializer,
    )
    @action(detail=True, methods=["post"], url_path="certify-quorum")
    def certify_quorum(self, request: Request, pk: str) -> Response:
        return self._step(request, services.assembly_quorum_certify)

    @extend_schema(
        summary="Close the session (every motion decided or withdrawn); its record then never changes",
        request=None,
        responses=AssemblySessionDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        return self._step(request, services.assembly_session_close)


@extend_schema(tags=["staff: assemblies"])
class DelegateViewSet(_AssemblyViewSet[Delegate]):
    """Delegates of the sessions (filter by session)."""

    serializer_class = DelegateSerializer
    filterset_class = DelegateFilter
    queryset = Delegate.objects.none()

    access_helper = staticmethod(selectors.delegate_get_for_user)

    def get_queryset(self) -> QuerySet:
        return Delegate.objects.select_related("organization", "person")

    @extend_schema(summary="List delegates")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(DelegateSerializer(page, many=True).data)

    @extend_schema(summary="One delegate")
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(DelegateSerializer(self.get_object()).data)

    @extend_schema(summary="Designate a delegate", request=DelegateInputSerializer, responses={201: DelegateSerializer})
    def create(self, request: Request) -> Response:
        data = validated(DelegateInputSerializer, request.data)
        session = self._session_for_change(data.pop("session"))
        delegate = services.delegate_designate(actor=request_user(request), session=session, **data)
        return Response(DelegateSerializer(delegate).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Change a designated delegate", request=DelegateUpdateSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        delegate = self.get_object()
        data = validated(DelegateUpdateSerializer, request.data, partial=True)
        delegate = services.delegate_update(actor=request_user(request), delegate=delegate, **data)
        return Response(DelegateSerializer(delegate).data)

    @extend_schema(summary="Withdraw a designated delegate", request=None, responses=DelegateSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        delegate = services.delegate_withdraw(actor=request_user(request), delegate=self.get_object())
        return Response(DelegateSerializer(delegate).data)


@extend_schema(tags=["staff: assemblies"])
class MotionViewSet(_AssemblyViewSet[Motion]):
    """Motions of the sessions and their tallies (filter by session)."""

    serializer_class = MotionSerializer
    filterset_class = MotionFilter
    queryset = Motion.objects.none()

    access_helper = staticmethod(selectors.motion_get_for_user)

    def get_queryset(self) -> QuerySet:
        return Motion.objects.all()

    @extend_schema(summary="List motions")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(MotionSerializer(page, many=True).data)

    @extend_schema(summary="One motion")
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(MotionSerializer(self.get_object()).data)

    @extend_schema(
        summary="Add a motion to a session", request=MotionInputSerializer, responses={201: MotionSerializer}
    )
    def create(self, request: Request) -> Response:
        data = validated(MotionInputSerializer, request.data)
        session = self._session_for_change(data.pop("session"))
        motion = services.motion_create(actor=request_user(request), session=session, **data)
        return Response(MotionSerializer(motion).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Reword a pending motion", request=MotionUpdateSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        motion = self.get_object()
        data = validated(MotionUpdateSerializer, request.data)
        return Response(
            MotionSerializer(services.motion_update(actor=request_user(request), motion=motion, **data)).data
        )

    @extend_schema(
        summary="Record the tally (never more votes than accredited); the result follows",
        request=TallyInputSerializer,
        responses=MotionSerializer,
    )
    @action(detail=True, methods=["post"], url_path="record-tally")
    def record_tally(self, request: Request, pk: str) -> Response:
        motion = self.get_object()
        data = validated(TallyInputSerializer, request.data)
        return Response(
            MotionSerializer(services.motion_record_tally(actor=request_user(request), motion=motion, **data)).data
        )

    @extend_schema(summary="Withdraw a pending motion", request=None, responses=MotionSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str) -> Response:
        return Response(
            MotionSerializer(services.motion_withdraw(actor=request_user(request), motion=self.get_object())).data
        )


ROUTES = (
    ("assembly-sessions", AssemblySessionViewSet, "assembly-session"),
    ("assembly-delegates", DelegateViewSet, "assembly-delegate"),
    ("assembly-motions", MotionViewSet, "assembly-motion"),
)
urlpatterns: list = []
ACCESS: dict[str, str] = {
    f"api-v1:{name}": ACCESS_API
    for name in (
        "assembly-session-list",
        "assembly-session-detail",
        "assembly-session-open-designation",
        "assembly-session-close-designation",
        "assembly-session-accredit",
        "assembly-session-certify-quorum",
        "assembly-session-close",
        "assembly-delegate-list",
        "assembly-delegate-detail",
        "assembly-delegate-withdraw",
        "assembly-motion-list",
        "assembly-motion-detail",
        "assembly-motion-record-tally",
        "assembly-motion-withdraw",
    )
}


def register(router: SimpleRouter) -> None:
    for prefix, viewset, basename in ROUTES:
        router.register(prefix, viewset, basename=basename)
