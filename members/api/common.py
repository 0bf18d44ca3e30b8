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

from clac.api.filters import ID_MAX
from clac.api.permissions import StaffRoles
from clac.api.views import ClacGenericViewSet
from clac.roles import REGISTRY_EDITORS
from members.models import Certification, Membership, Organization
from members.selectors import country_codes_all, country_unknown_codes, product_codes_all, product_unknown_codes
from members.selectors.search import organization_search

WRITE_ROLES = tuple(sorted(REGISTRY_EDITORS))


def codes(value: str) -> list[str]:
    """'pe, CO' → ['pe', 'CO']: comma-separated query values."""
    return [part.strip() for part in value.split(",") if part.strip()]


def country_codes_clean(value: str, *, field: str | None = None) -> list[str]:
    """'pe, co' → ['PE', 'CO'], every code known, or a 400 listing the allowed codes: one rule
    for every `country` parameter of the API (the directory once answered an unknown code with
    an empty page while statistics refused it). `field` names the parameter in the error when
    raised outside a serializer (a filter method)."""
    countries = [c.upper() for c in codes(value)]
    unknown = country_unknown_codes(codes=countries)
    if unknown:
        message = _("Unknown country code(s): %(codes)s. Use any of: %(allowed)s.") % {
            "codes": ", ".join(unknown),
            "allowed": ", ".join(country_codes_all()),
        }
        raise serializers.ValidationError({field: [message]} if field else [message])
    return countries


def product_codes_clean(value: str, *, field: str | None = None) -> list[str]:
    """'Coffee, cocoa' → ['coffee', 'cocoa'], every code known, or a 400 listing the allowed codes."""
    products = [c.lower() for c in codes(value)]
    unknown = product_unknown_codes(codes=products)
    if unknown:
        message = _("Unknown product code(s): %(codes)s. Use any of: %(allowed)s.") % {
            "codes": ", ".join(unknown),
            "allowed": ", ".join(product_codes_all()),
        }
        raise serializers.ValidationError({field: [message]} if field else [message])
    return products


class QueryParamsSerializer(serializers.Serializer):
    """An input serializer of query parameters: a parameter sent empty (`?country=`) is a 400,
    not a silent default, the same rule as the list filters (clac.api.filters)."""

    def to_internal_value(self, data: Any) -> Any:
        names: list[str] = list(self.fields)
        empty = [name for name in names if name in data and not str(data.get(name, "")).strip()]
        if empty:
            message = _("Give a value or leave this parameter out.")
            raise serializers.ValidationError({name: [message] for name in empty})
        return super().to_internal_value(data)


def validated(serializer_class: type[serializers.Serializer], data: Any, **kwargs: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def url_pk(value: str | int) -> int:
    """An id from the URL. The router lets only digits through; anything else is a 404 too.
    An id past what the database stores is a 400 (as in the query parameters), before any query."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise Http404 from None
    if pk > ID_MAX:
        raise serializers.ValidationError(
            {"id": [_("Ensure this value is less than or equal to %(limit_value)s.") % {"limit_value": ID_MAX}]}
        )
    return pk


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
        return queryset.filter(country_id__in=country_codes_clean(value, field=name))

    def filter_product(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # Exists, not a join: an organization with two of the products appears once.
        through = Organization.products.through.objects.filter(
            organization_id=OuterRef("pk"), product__code__in=product_codes_clean(value, field=name)
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
