"""API of the governance area.

Partners (`directory:read`): `GET /api/v1/bodies/`, the bodies with a current mandate and the
seats in office: role, organization represented, subregion, term; the holder's name only
when the key also carries `people:read` (personal data, DESIGN §5).

Staff: `governance/bodies/`, `governance/mandates/`, `governance/seats/` (list, retrieve,
create, update; `seats/{id}/end/`). Every staff role reads; administrators and coordinators
write, and the access helpers and services let a coordinator change only the bodies of the
networks they coordinate (CLAC's own bodies: administrators)."""

import datetime
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from clac.access import request_user
from clac.api.filters import IdFilter, StrictBooleanFilter, integer_filter
from clac.api.permissions import HasPartnerScope, request_is_partner
from clac.api.scopes import DIRECTORY_READ, PEOPLE_READ
from clac.api.views import ClacGenericViewSet
from clac.models import PartnerKeyBase
from clac.plugins import ACCESS_API
from members.api.common import CountryRefSerializer, OrganizationRefSerializer, validated
from members.models import Country, Organization, Person, Subregion
from members.selectors import country_ref
from networks.api.common import NetworksStaffViewSet
from networks.models import Body, Mandate, Network, Seat
from networks.selectors import governance as selectors
from networks.services import governance as services

# --- Partner: current bodies ----------------------------------------------------------------

BODIES_DESCRIPTION = """
CLAC's own bodies (General Assembly, Board, Oversight Committee) and the networks' bodies
(assemblies, coordinating, operative, advisory and technical committees, national workers'
committees, the workers' coordinating committee) that have a mandate running today, with the
seats in office today: role, organization represented, subregion and term.

`person_name` is personal data: it is given only when the key also carries `people:read`;
otherwise it is null. Past mandates and seats are never shown.
""".strip()


class BodyNetworkRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Network.Kind.choices)


class SeatOrganizationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    country = CountryRefSerializer()


class PartnerSeatSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Seat.Role.choices)
    organization = SeatOrganizationSerializer()
    subregion = serializers.CharField(help_text="For bodies whose seats stand for a subregion; empty otherwise.")
    term_start = serializers.DateField()
    term_end = serializers.DateField()
    person_name = serializers.CharField(
        allow_null=True, help_text="The holder's name; null unless the key carries `people:read`."
    )


class PartnerMandateSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    seats = PartnerSeatSerializer(many=True)


class PartnerBodySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Body.Kind.choices)
    name = serializers.CharField()
    network = BodyNetworkRefSerializer(allow_null=True, help_text="Null for CLAC's own bodies.")
    country = serializers.CharField(allow_null=True, help_text="ISO code of a national workers' committee.")
    current_mandate = PartnerMandateSerializer()


class PartnerBodyFilter(django_filters.FilterSet):
    network = IdFilter(field_name="network_id", help_text="A network's id.")
    kind = django_filters.ChoiceFilter(choices=Body.Kind.choices)

    class Meta:
        model = Body
        fields: list[str] = []


def _partner_rows(bodies: list[Body], *, names: bool) -> list[dict[str, Any]]:
    countries: dict[str, dict[str, str]] = {}

    def country(org: Organization) -> dict[str, str]:
        if org.country_id not in countries:
            countries[org.country_id] = country_ref(org.country_id, org.country.name)
        return countries[org.country_id]

    rows = []
    for body in bodies:
        mandate = body.current_mandate
        assert mandate is not None  # partner_body_list(): bodies with a current mandate
        rows.append(
            {
                "id": body.pk,
                "kind": body.kind,
                "name": body.name,
                "network": (
                    {"id": body.network.pk, "name": body.network.name, "kind": body.network.kind}
                    if body.network
                    else None
                ),
                "country": body.country_id,
                "current_mandate": {
                    "start": mandate.start,
                    "end": mandate.end,
                    "seats": [
                        {
                            "role": seat.role,
                            "organization": {
                                "id": seat.organization.pk,
                                "name": seat.organization.name,
                                "country": country(seat.organization),
                            },
                            "subregion": seat.subregion,
                            "term_start": seat.term_start,
                            "term_end": seat.term_end,
                            "person_name": seat.person.full_name if names else None,
                        }
                        for seat in body.current_seats
                    ],
                },
            }
        )
    return rows


@extend_schema(tags=["governance"])
class PartnerBodyViewSet(ClacGenericViewSet):
    """Current bodies and their seats. Needs a partner key with `directory:read` (names also
    `people:read`), or a staff account."""

    permission_classes = [HasPartnerScope]
    required_scope = DIRECTORY_READ
    serializer_class = PartnerBodySerializer
    filterset_class = PartnerBodyFilter
    queryset = Body.objects.none()

    def get_queryset(self) -> QuerySet:
        return selectors.partner_body_list()

    def _names_allowed(self) -> bool:
        if request_is_partner(self.request):
            assert isinstance(self.request.auth, PartnerKeyBase)  # what request_is_partner checks
            return PEOPLE_READ in (self.request.auth.scopes or [])
        return True  # staff

    @extend_schema(summary="Current bodies and seats", description=BODIES_DESCRIPTION)
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None  # a pagination class is set (DEFAULT_PAGINATION_CLASS)
        bodies = selectors.partner_body_rows(list(page))
        return self.get_paginated_response(_partner_rows(bodies, names=self._names_allowed()))


# --- Staff: bodies --------------------------------------------------------------------------

# Any staff role reads; administrators and coordinators write (their networks' bodies only:
# the access helper answers 403 for the others).
GovernanceStaffViewSet = NetworksStaffViewSet


class BodyOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Body.Kind.choices)
    name = serializers.CharField()
    network = BodyNetworkRefSerializer(allow_null=True)
    country = serializers.CharField(source="country_id", allow_null=True)
    seats_per_subregion = serializers.IntegerField(allow_null=True)
    description = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class BodyCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Body.Kind.choices)
    name = serializers.CharField(max_length=200)
    network = serializers.PrimaryKeyRelatedField(queryset=Network.objects.all(), required=False, allow_null=True)
    country = serializers.PrimaryKeyRelatedField(queryset=Country.objects.all(), required=False, allow_null=True)
    seats_per_subregion = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=20)
    description = serializers.CharField(required=False, allow_blank=True)


class BodyUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    country = serializers.PrimaryKeyRelatedField(queryset=Country.objects.all(), required=False, allow_null=True)
    seats_per_subregion = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=20)
    description = serializers.CharField(required=False, allow_blank=True)


class BodyFilter(django_filters.FilterSet):
    network = IdFilter(field_name="network_id")
    clac = StrictBooleanFilter(field_name="network", lookup_expr="isnull", help_text="true: CLAC's own bodies only.")
    kind = django_filters.ChoiceFilter(choices=Body.Kind.choices)

    class Meta:
        model = Body
        fields: list[str] = []


@extend_schema(tags=["staff: governance"])
class BodyViewSet(GovernanceStaffViewSet[Body]):
    serializer_class = BodyOutputSerializer
    filterset_class = BodyFilter
    queryset = Body.objects.none()
    access_helper = staticmethod(selectors.body_get_for_user)

    def get_queryset(self) -> QuerySet:
        return Body.objects.select_related("network")

    @extend_schema(summary="List bodies")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(BodyOutputSerializer(page, many=True).data)

    @extend_schema(summary="One body")
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(BodyOutputSerializer(self.get_object()).data)

    @extend_schema(summary="Add a body", request=BodyCreateSerializer, responses={201: BodyOutputSerializer})
    def create(self, request: Request) -> Response:
        data = validated(BodyCreateSerializer, request.data)
        body = services.body_create(actor=request_user(request), **data)
        return Response(BodyOutputSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Change a body (its kind and network stay)", request=BodyUpdateSerializer)
    def update(self, request: Request, pk: str) -> Response:
        body = self.get_object()
        data = validated(BodyUpdateSerializer, request.data)
        body = services.body_update(actor=request_user(request), body=body, **data)
        return Response(BodyOutputSerializer(body).data)


# --- Staff: mandates ------------------------------------------------------------------------


class BodyRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.ChoiceField(choices=Body.Kind.choices)


class MandateOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    body = BodyRefSerializer()
    start = serializers.DateField()
    end = serializers.DateField()
    notes = serializers.CharField()
    is_current = serializers.SerializerMethodField()

    def get_is_current(self, obj: Mandate) -> bool:
        return obj.start <= timezone.localdate() <= obj.end


class MandateCreateSerializer(serializers.Serializer):
    body = serializers.PrimaryKeyRelatedField(queryset=Body.objects.all())
    start = serializers.DateField()
    end = serializers.DateField()
    notes = serializers.CharField(required=False, allow_blank=True)


class MandateUpdateSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    notes = serializers.CharField(required=False, allow_blank=True)


class MandateFilter(django_filters.FilterSet):
    body = IdFilter(field_name="body_id")

    class Meta:
        model = Mandate
        fields: list[str] = []


@extend_schema(tags=["staff: governance"])
class MandateViewSet(GovernanceStaffViewSet[Mandate]):
    serializer_class = MandateOutputSerializer
    filterset_class = MandateFilter
    queryset = Mandate.objects.none()
    access_helper = staticmethod(selectors.mandate_get_for_user)

    def get_queryset(self) -> QuerySet:
        return Mandate.objects.select_related("body")

    @extend_schema(summary="List mandates")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(MandateOutputSerializer(page, many=True).data)

    @extend_schema(summary="One mandate")
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(MandateOutputSerializer(self.get_object()).data)

    @extend_schema(
        summary="Add a mandate to a body", request=MandateCreateSerializer, responses={201: MandateOutputSerializer}
    )
    def create(self, request: Request) -> Response:
        data = validated(MandateCreateSerializer, request.data)
        # The body through its access helper: 403 for a body of another network.
        body = selectors.body_get_for_user(user=request.user, pk=data.pop("body").pk, for_change=True)
        mandate = services.mandate_create(actor=request_user(request), body=body, **data)
        return Response(MandateOutputSerializer(mandate).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Change a mandate's dates or notes", request=MandateUpdateSerializer)
    def update(self, request: Request, pk: str) -> Response:
        mandate = self.get_object()
        data = validated(MandateUpdateSerializer, request.data)
        mandate = services.mandate_update(actor=request_user(request), mandate=mandate, **data)
        return Response(MandateOutputSerializer(mandate).data)


# --- Staff: seats ---------------------------------------------------------------------------


class SeatHolderSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()


class SeatOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    mandate = serializers.IntegerField(source="mandate_id")
    body = serializers.IntegerField(source="mandate.body_id")
    person = SeatHolderSerializer()
    organization = OrganizationRefSerializer()
    role = serializers.ChoiceField(choices=Seat.Role.choices)
    subregion = serializers.CharField()
    term_start = serializers.DateField()
    term_end = serializers.DateField()


class SeatCreateSerializer(serializers.Serializer):
    mandate = serializers.PrimaryKeyRelatedField(queryset=Mandate.objects.all())
    person = serializers.PrimaryKeyRelatedField(queryset=Person.objects.all())
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    role = serializers.ChoiceField(choices=Seat.Role.choices, required=False, default=Seat.Role.MEMBER)
    subregion = serializers.ChoiceField(choices=Subregion.choices, required=False, allow_blank=True, default="")
    term_start = serializers.DateField(required=False, allow_null=True, help_text="Default: the mandate's start.")
    term_end = serializers.DateField(required=False, allow_null=True, help_text="Default: the mandate's end.")


class SeatUpdateSerializer(serializers.Serializer):
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    role = serializers.ChoiceField(choices=Seat.Role.choices)
    subregion = serializers.ChoiceField(choices=Subregion.choices, required=False, allow_blank=True, default="")
    term_start = serializers.DateField()
    term_end = serializers.DateField()


class SeatEndSerializer(serializers.Serializer):
    end_date = serializers.DateField(help_text="The holder's last day in office.")


class SeatFilter(django_filters.FilterSet):
    mandate = IdFilter(field_name="mandate_id")
    body = IdFilter(field_name="mandate__body_id")
    person = IdFilter(field_name="person_id")
    organization = IdFilter(field_name="organization_id")
    ending_within = integer_filter(
        min_value=0,
        max_value=3660,
        method="filter_ending_within",
        help_text="Seats in office whose term ends within this many days.",
    )

    class Meta:
        model = Seat
        fields: list[str] = []

    def filter_ending_within(self, queryset: QuerySet, name: str, value: Any) -> QuerySet:
        today = timezone.localdate()
        days = max(0, min(int(value), 3660))
        return queryset.filter(
            term_start__lte=today, term_end__gte=today, term_end__lte=today + datetime.timedelta(days=days)
        )


@extend_schema(tags=["staff: governance"])
class SeatViewSet(GovernanceStaffViewSet[Seat]):
    serializer_class = SeatOutputSerializer
    filterset_class = SeatFilter
    queryset = Seat.objects.none()
    access_helper = staticmethod(selectors.seat_get_for_user)

    def get_queryset(self) -> QuerySet:
        return Seat.objects.select_related("person", "organization", "mandate")

    def _respond(self, seat: Seat, status_code: int = status.HTTP_200_OK) -> Response:
        return Response(SeatOutputSerializer(seat).data, status=status_code)

    @extend_schema(summary="List seats")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(SeatOutputSerializer(page, many=True).data)

    @extend_schema(summary="One seat")
    def retrieve(self, request: Request, pk: str) -> Response:
        return self._respond(self.get_object())

    @extend_schema(
        summary="Seat a person in a mandate", request=SeatCreateSerializer, responses={201: SeatOutputSerializer}
    )
    def create(self, request: Request) -> Response:
        data = validated(SeatCreateSerializer, request.data)
        mandate = selectors.mandate_get_for_user(user=request.user, pk=data.pop("mandate").pk, for_change=True)
        seat = services.seat_create(actor=request_user(request), mandate=mandate, **data)
        return self._respond(seat, status.HTTP_201_CREATED)

    @extend_schema(summary="Change a seat (its holder stays)", request=SeatUpdateSerializer)
    def update(self, request: Request, pk: str) -> Response:
        seat = self.get_object()
        data = validated(SeatUpdateSerializer, request.data)
        return self._respond(services.seat_update(actor=request_user(request), seat=seat, **data))

    @extend_schema(summary="End a seat before its term", request=SeatEndSerializer, responses=SeatOutputSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        seat = self.get_object()
        data = validated(SeatEndSerializer, request.data)
        return self._respond(services.seat_end(actor=request_user(request), seat=seat, end_date=data["end_date"]))


ACCESS: dict[str, str] = {
    f"api-v1:{name}": ACCESS_API
    for name in (
        "body-list",
        "governance-body-list",
        "governance-body-detail",
        "governance-mandate-list",
        "governance-mandate-detail",
        "governance-seat-list",
        "governance-seat-detail",
        "governance-seat-end",
    )
}
urlpatterns: list = []


def register(router: SimpleRouter) -> None:
    router.register("bodies", PartnerBodyViewSet, basename="body")
    router.register("governance/bodies", BodyViewSet, basename="governance-body")
    router.register("governance/mandates", MandateViewSet, basename="governance-mandate")
    router.register("governance/seats", SeatViewSet, basename="governance-seat")
