"""Form helpers every app's dashboard and portal pages share. The platform imports no app."""

import re
from decimal import Decimal, DecimalException
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import formats, translation

__all__ = [
    "LocalizedDecimalField",
    "LocalizedIntegerField",
    "add_service_errors",
    "parse_localized_number",
]


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, *, field_map: dict[str, str] | None = None
) -> None:
    """Show a service's ValidationError on a validated form: messages keyed by one of the
    form's fields go next to it (`field_map` renames service keys to form fields), the others
    and unkeyed ones at the top. What the user typed stays in the form."""
    field_map = field_map or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, messages in error.message_dict.items():
        name = field_map.get(key, key)
        form.add_error(name if name in form.fields else None, messages)


# --- Numbers as people type them ----------------------------------------------------------

# Spaces (also the no-break ones French uses) and apostrophes group thousands; never decimals.
_GROUPING_SPACES = re.compile(r"[\s\u00a0\u202f'\u2019]")


def _grouped(text: str, separator: str) -> bool:
    """'1.234.567' with separator '.': digits grouped by three, nothing else."""
    return bool(re.fullmatch(rf"[-+]?\d{{1,3}}(?:{re.escape(separator)}\d{{3}})+", text))


def parse_localized_number(text: str, *, decimal_separator: str | None = None, grouping: bool = True) -> str:
    """The number a person typed, written with a dot for decimals and no grouping, ready for
    Decimal(): '1.234,5' and '1234,5' in Spanish, Portuguese or French, '1,234.5' in English.

    The language's decimal separator (',' in es, pt_BR and fr) decides only what a lone
    separator means: with both a dot and a comma the last one is the decimal separator; a
    lone comma is a decimal comma where commas are decimal; a lone dot is a decimal point,
    except '1.234' (one dot, three digits after) where commas are decimal, which follows the
    local convention and Django's own parsing (django.utils.formats.sanitize_separators).
    `grouping=False` (coordinates): any lone separator is the decimal one. Text that is not a
    number comes back changed as little as possible, for the field's own error."""
    decimal_separator = decimal_separator or formats.get_format("DECIMAL_SEPARATOR", translation.get_language())
    value = _GROUPING_SPACES.sub("", text.strip())
    has_dot, has_comma = "." in value, "," in value
    if has_dot and has_comma:
        decimal = "," if value.rfind(",") > value.rfind(".") else "."
        thousands = "." if decimal == "," else ","
        if value.count(decimal) > 1:
            return value
        return value.replace(thousands, "").replace(decimal, ".")
    for separator in (",", "."):
        if separator not in value:
            continue
        if value.count(separator) > 1:
            return value.replace(separator, "") if grouping and _grouped(value, separator) else value
        if not grouping:
            return value.replace(separator, ".")
        if separator != decimal_separator and _grouped(value, separator):
            return value.replace(separator, "")
        return value.replace(separator, ".")
    return value


class LocalizedDecimalField(forms.DecimalField):
    """A decimal number typed the local way (see parse_localized_number), on a text input
    with the phone's decimal keypad: a number input would refuse a decimal comma in many
    browsers, or silently empty the field."""

    def __init__(self, *, grouping: bool = True, attrs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        self.grouping = grouping
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "decimal", **(attrs or {})}))
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        text = parse_localized_number(str(value), grouping=self.grouping)
        try:
            return Decimal(text)
        except DecimalException:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class LocalizedIntegerField(forms.IntegerField):
    """A whole number, with thousands grouped the local way or not: '1.234', '1 234', '1,234'."""

    def __init__(self, *, attrs: dict[str, Any] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput(attrs={"inputmode": "numeric", **(attrs or {})}))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> int | None:
        if isinstance(value, str):
            text = _GROUPING_SPACES.sub("", value.strip())
            for separator in (".", ","):
                if _grouped(text, separator):
                    text = text.replace(separator, "")
            value = text
        return super().to_python(value)
