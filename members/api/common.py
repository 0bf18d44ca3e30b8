"""What the registry's API modules share: input helpers, small reference serializers, the
organization filter, code fields, and the base of the staff viewsets."""

from collections.abc import Callable
from typing import Any

import django_filters
from django.db.models import Exists, Model, OuterRef, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import SAFE_METHODS

from clac.api.permissions import StaffRoles
from clac.api.views import ClacGenericViewSet
from clac.roles import REGISTRY_EDITORS
from members.models import Certification, Membership, Organization
from members.selectors.search import organization_search

WRITE_ROLES = tuple(sorted(REGISTRY_EDITORS))


def codes(value: str) -> list[str]:
    """'pe, CO' → ['pe', 'CO']: comma-separated query values."""
    return [part.strip() for part in value.split(",") if part.strip()]


def validated(serializer_class: type[serializers.Serializer], data: Any, **kwargs: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def url_pk(value: str) -> int:
    """An id from the URL. The router lets only digits through; anything else is a 404 too.
    Ids too large for the column are left to the access helpers, which find nothing: 404."""
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


# --- Shared small serializers --------------------------------------------------------------


class CountryRefSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class OrganizationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


# --- Filters -------------------------------------------------------------------------------


class OrganizationFilter(django_filters.FilterSet):
    country = django_filters.CharFilter(
        method="filter_country", help_text="ISO country code(s), comma-separated: `PE,CO`."
    )
    kind = django_filters.ChoiceFilter(choices=Organization.Kind.choices)
    product = django_filters.CharFilter(
        method="filter_product", help_text="Product code(s), comma-separated: `coffee,cocoa`."
    )
    membership_status = django_filters.ChoiceFilter(field_name="membership__status", choices=Membership.Status.choices)
    certification_status = django_filters.ChoiceFilter(
        method="filter_certification_status",
        choices=Certification.Status.choices,
        help_text="Organizations holding a certification (any standard) in this status.",
    )
    search = django_filters.CharFilter(method="filter_search", help_text="Name, FLO ID or locality.")

    class Meta:
        model = Organization
        fields: list[str] = []

    def filter_country(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(country_id__in=[c.upper() for c in codes(value)])

    def filter_product(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # Exists, not a join: an organization with two of the products appears once.
        through = Organization.products.through.objects.filter(
            organization_id=OuterRef("pk"), product__code__in=[c.lower() for c in codes(value)]
        )
        return queryset.filter(Exists(through))

    def filter_certification_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Exists(Certification.objects.filter(organization_id=OuterRef("pk"), status=value)))

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # The same search as the staff registry list (members.selectors.search).
        return organization_search(queryset, value)


# --- Code fields ---------------------------------------------------------------------------


class _RefusesNulMixin(serializers.RelatedField):
    """Related fields looked up by text (a country code, a product code): a NUL character is
    refused before the lookup, since PostgreSQL cannot compare text with one and the query
    would fail with a server error instead of a 400."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, str) and "\x00" in data:
            self.fail("invalid_text")
        return super().to_internal_value(data)


class CountryCodeField(_RefusesNulMixin, serializers.PrimaryKeyRelatedField):
    default_error_messages = {"invalid_text": _("Null characters are not allowed.")}


class ProductCodeField(_RefusesNulMixin, serializers.SlugRelatedField):
    default_error_messages = {"invalid_text": _("Null characters are not allowed.")}


# --- Staff viewsets ------------------------------------------------------------------------


class AccessHelperMixin[M: Model](GenericAPIView):
    """get_object() through the entity's access helper (`<entity>_get_for_user(*, user, pk)`
    in members.selectors), not DRF's lookup in get_queryset(): the helper is the one place
    that decides who may see an object (DESIGN §5). Filters and prefetches of the list do not
    apply to a single object; views load what they show through selectors."""

    access_helper: Callable[..., M]

    def get_object(self) -> M:
        pk = url_pk(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        # A write fetches the object for change: the helper refuses (403) a user whose role
        # does not reach it (a coordinator outside their networks' members).
        for_change = self.request.method not in SAFE_METHODS
        obj = self.access_helper(user=self.request.user, pk=pk, for_change=for_change)
        self.check_object_permissions(self.request, obj)
        return obj


class StaffViewSet[M: Model](AccessHelperMixin[M], ClacGenericViewSet):
    """Any staff role reads; the registry editors write. Partner keys and portal users: 403."""

    permission_classes = [StaffRoles]
    write_roles = WRITE_ROLES
