"""API of the networks area.

Partners (`directory:read`) and staff read the networks with their member counts, computed in
the database (never people: coordinators are not shown). Administrators create and change
networks; staff read memberships, and administrators and the network's coordinators add and
end them. `register(router)` adds the viewsets; `ACCESS` names their routes."""

from typing import Any

import django_filters
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter

from clac.access import request_user
from clac.api.filters import IdFilter, StrictBooleanFilter
from clac.api.permissions import HasPartnerScope, StaffRoles
from clac.api.scopes import DIRECTORY_READ
from clac.api.views import ClacGenericViewSet
from clac.models import User
from clac.plugins import ACCESS_API
from clac.roles import StaffRole
from members.api.common import (
    AccessHelperMixin,
    CountryCodeField,
    OrganizationRefSerializer,
    country_codes_clean,
    url_pk,
    validated,
)
from members.models import Country, Organization, ProductNetwork, Subregion
from members.selectors import country_ref
from networks.models import Network, NetworkMembership
from networks.selectors.networks import (
    network_can_change,
    network_get_for_user,
    network_member_counts,
    network_membership_get_for_user,
    network_partner_list,
)
from networks.services.networks import (
    network_create,
    network_membership_add,
    network_membership_end,
    network_update,
)

# --- Networks (partners and staff read; administrators write) --------------------------------


class MemberCountsSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Current member organizations.")
    by_country = serializers.DictField(child=serializers.IntegerField(), help_text="ISO country code → members.")
    by_kind = serializers.DictField(
        child=serializers.IntegerField(), help_text="Organization kind (spo, spo2, hl, other) → members."
    )


class NetworkSerializer(serializers.Serializer):
    """A network and how many organizations belong to it now. No people."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Network.Kind.choices)
    name = serializers.CharField()
    countries = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))
    product = serializers.ChoiceField(
        choices=ProductNetwork.choices, allow_null=True, help_text="The product category of a product network."
    )
    subregion = serializers.ChoiceField(
        choices=Subregion.choices,
        allow_null=True,
        help_text="The subregion of the network's countries, when they share one.",
    )
    founded_year = serializers.IntegerField(allow_null=True)
    is_active = serializers.BooleanField()
    member_counts = MemberCountsSerializer()


def network_rows(networks: list[Network]) -> list[dict[str, Any]]:
    """Networks (countries prefetched) with their counts from one grouped query."""
    counts = network_member_counts(network_ids=[network.pk for network in networks])
    rows = []
    for network in networks:
        countries = list(network.countries.all())
        subregions = {country.subregion for country in countries}
        rows.append(
            {
                "id": network.pk,
                "kind": network.kind,
                "name": network.name,
                "countries": [country_ref(country.code, country.name) for country in countries],
                "product": network.product_network or None,
                "subregion": subregions.pop() if len(subregions) == 1 else None,
                "founded_year": network.founded_year,
                "is_active": network.is_active,
                "member_counts": counts[network.pk],
            }
        )
    return rows


class NetworkFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=Network.Kind.choices)
    country = django_filters.CharFilter(
        method="filter_country", help_text="ISO country code(s), comma-separated: `CR,PA`. Country networks only."
    )

    class Meta:
        model = Network
        fields: list[str] = []

    def filter_country(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        through = Network.countries.through.objects.filter(
            network_id=OuterRef("pk"), country_id__in=country_codes_clean(value, field=name)
        )
        return queryset.filter(Exists(through))


class NetworkInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Network.Kind.choices)
    name = serializers.CharField(max_length=200)
    countries = serializers.ListField(
        child=CountryCodeField(queryset=Country.objects.all()), required=False, help_text="ISO codes."
    )
    product_network = serializers.ChoiceField(choices=ProductNetwork.choices, required=False, allow_blank=True)
    coordinators = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(), many=True, required=False, help_text="User ids (coordinator role)."
    )
    founded_year = serializers.IntegerField(min_value=1990, max_value=2100, required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


class NetworkUpdateSerializer(NetworkInputSerializer):
    kind = None  # type: ignore[assignment]  # fixed once the network exists


class NetworkPermission(BasePermission):
    """Reads: a partner key with directory:read, or staff. Writes: administrators."""

    message = HasPartnerScope.message

    def has_permission(self, request: Request, view: Any) -> bool:
        if view.action in ("list", "retrieve"):
            return HasPartnerScope().has_permission(request, view)
        return StaffRoles().has_permission(request, view)


@extend_schema(tags=["networks"])
class NetworkViewSet(ClacGenericViewSet):
    """CLAC's country, product and workers networks with their current member counts."""

    permission_classes = [NetworkPermission]
    required_scope = DIRECTORY_READ
    write_roles = (StaffRole.ADMIN,)
    serializer_class = NetworkSerializer
    filterset_class = NetworkFilter
    queryset = Network.objects.none()

    def get_queryset(self) -> QuerySet:
        return network_partner_list()

    def _respond(self, network: Network, status_code: int = status.HTTP_200_OK) -> Response:
        # Also an inactive network: administrators may have just deactivated it.
        fresh = Network.objects.prefetch_related(Prefetch("countries", queryset=Country.objects.order_by("code")))
        return Response(network_rows([fresh.get(pk=network.pk)])[0], status=status_code)

    @extend_schema(summary="List the active networks with their member counts")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        assert page is not None  # a pagination class is set (DEFAULT_PAGINATION_CLASS)
        return self.get_paginated_response(network_rows(page))

    @extend_schema(summary="One active network with its member counts")
    def retrieve(self, request: Request, pk: str) -> Response:
        network = self.get_queryset().filter(pk=url_pk(pk)).first()
        if network is None:
            raise NotFound()
        return Response(network_rows([network])[0])

    @extend_schema(
        summary="Create a network (administrators)", request=NetworkInputSerializer, responses={201: NetworkSerializer}
    )
    def create(self, request: Request) -> Response:
        data = validated(NetworkInputSerializer, request.data)
        network = network_create(actor=request_user(request), **data)
        return self._respond(network, status.HTTP_201_CREATED)

    @extend_schema(summary="Change a network (administrators)", request=NetworkUpdateSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        network = network_get_for_user(user=request.user, pk=url_pk(pk), for_change=True)
        data = validated(NetworkUpdateSerializer, request.data, partial=True)
        network = network_update(actor=request_user(request), network=network, **data)
        return self._respond(network)


# --- Memberships (staff) -----------------------------------------------------------------------


class NetworkRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class NetworkMembershipSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    network = NetworkRefSerializer()
    organization = OrganizationRefSerializer()
    since = serializers.DateField()
    until = serializers.DateField(allow_null=True)
    # A field named `source`: the stubs see Field.source (str | None) of the base class.
    source = serializers.ChoiceField(choices=NetworkMembership.Source.choices)  # type: ignore[assignment]
    excluded = serializers.BooleanField(help_text="A current exclusion by hand: not a membership.")
    reason = serializers.CharField()


class NetworkMembershipInputSerializer(serializers.Serializer):
    network = serializers.PrimaryKeyRelatedField(queryset=Network.objects.all())
    organization = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    since = serializers.DateField()
    reason = serializers.CharField(max_length=300)


class NetworkMembershipEndSerializer(serializers.Serializer):
    until = serializers.DateField()
    reason = serializers.CharField(max_length=300)
    keep_out = serializers.BooleanField(default=False)


class NetworkMembershipFilter(django_filters.FilterSet):
    network = IdFilter(field_name="network_id")
    organization = IdFilter(field_name="organization_id")
    current = StrictBooleanFilter(
        method="filter_current", help_text="true: current memberships only (no exclusions); false: past ones."
    )

    class Meta:
        model = NetworkMembership
        fields: list[str] = []

    def filter_current(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        if value:
            return queryset.filter(until__isnull=True, excluded=False)
        return queryset.filter(until__isnull=False)


@extend_schema(tags=["networks"])
class NetworkMembershipViewSet(AccessHelperMixin[NetworkMembership], ClacGenericViewSet):
    """Which organizations belong to which networks, and since when. Staff read; administrators
    and the network's coordinators add and end memberships by hand."""

    permission_classes = [StaffRoles]
    write_roles = (StaffRole.ADMIN, StaffRole.COORDINATOR)
    serializer_class = NetworkMembershipSerializer
    filterset_class = NetworkMembershipFilter
    queryset = NetworkMembership.objects.none()
    access_helper = staticmethod(network_membership_get_for_user)

    def get_queryset(self) -> QuerySet:
        return NetworkMembership.objects.select_related("network", "organization")

    def _respond(self, membership: NetworkMembership, status_code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=membership.pk)
        return Response(NetworkMembershipSerializer(fresh).data, status=status_code)

    @extend_schema(summary="List network memberships")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(NetworkMembershipSerializer(page, many=True).data)

    @extend_schema(summary="One network membership")
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(NetworkMembershipSerializer(self.get_object()).data)

    @extend_schema(
        summary="Add an organization to a network by hand",
        request=NetworkMembershipInputSerializer,
        responses={201: NetworkMembershipSerializer},
    )
    def create(self, request: Request) -> Response:
        data = validated(NetworkMembershipInputSerializer, request.data)
        if not network_can_change(request.user, data["network"]):
            raise PermissionDenied
        membership = network_membership_add(actor=request_user(request), **data)
        return self._respond(membership, status.HTTP_201_CREATED)

    @extend_schema(summary="End a membership by hand", request=NetworkMembershipEndSerializer)
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str) -> Response:
        membership = network_membership_get_for_user(user=request.user, pk=url_pk(pk), for_change=True)
        data = validated(NetworkMembershipEndSerializer, request.data)
        membership = network_membership_end(actor=request_user(request), membership=membership, **data)
        return self._respond(membership)


ACCESS: dict[str, str] = {
    f"api-v1:{name}": ACCESS_API
    for name in (
        "network-list",
        "network-detail",
        "network-membership-list",
        "network-membership-detail",
        "network-membership-end",
    )
}
urlpatterns: list = []


def register(router: SimpleRouter) -> None:
    router.register("networks", NetworkViewSet, basename="network")
    router.register("network-memberships", NetworkMembershipViewSet, basename="network-membership")
