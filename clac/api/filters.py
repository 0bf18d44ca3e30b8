"""Typed query-parameter filters for every app's API: an id, a bounded integer, a boolean.

django-filter's NumberFilter reads a Decimal of any size, so `?organization=99999999999999999999`
reached the database and failed there (an OverflowError, a 500), and its BooleanFilter read
`?current=banana` as "no filter". These fields refuse what the schema does not allow with the
standard 400 error body (field → message), and the schema says the bounds."""

from typing import Any

import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

# The largest id the databases store (64-bit integer primary keys): a bigger number is a 400
# before any query, on PostgreSQL and SQLite alike.
ID_MAX = 2**63 - 1


class _RequiredWhenGiven:
    """A parameter sent empty (`?person=`) is an error, not "no filter": a client that means no
    filter leaves the parameter out."""

    def clean(self, value: Any) -> Any:
        if value is not None and str(value).strip() == "":
            raise forms.ValidationError(_("Give a value or leave this parameter out."), code="empty")
        return super().clean(value)  # type: ignore[misc]


class _IntegerField(_RequiredWhenGiven, forms.IntegerField):
    pass


class _BooleanField(_RequiredWhenGiven, forms.Field):
    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text not in ("true", "false"):
            raise forms.ValidationError(_("Use true or false."), code="invalid")
        return text == "true"


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": ID_MAX})
class IdFilter(django_filters.NumberFilter):
    """An object's id: a whole number from 1 to ID_MAX."""

    field_class = _IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(*args, **kwargs)


class IntegerFilter(django_filters.NumberFilter):
    """A bounded whole number (a year, a number of days). Decorate the instance's class through
    `integer_filter()` so the schema names the bounds."""

    field_class = _IntegerField


def integer_filter(*, min_value: int, max_value: int, **kwargs: Any) -> IntegerFilter:
    """An IntegerFilter between min_value and max_value, with those bounds in the schema."""
    schema = {"type": "integer", "minimum": min_value, "maximum": max_value}
    bounded = extend_schema_field(schema)(type("BoundedIntegerFilter", (IntegerFilter,), {}))
    return bounded(min_value=min_value, max_value=max_value, **kwargs)


@extend_schema_field({"type": "boolean"})
class StrictBooleanFilter(django_filters.BooleanFilter):
    """`true` or `false` (any case); anything else is a 400."""

    field_class = _BooleanField
