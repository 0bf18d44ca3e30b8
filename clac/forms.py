"""Form helpers every app's dashboard and portal pages share. The platform imports no app."""

import re
from collections.abc import Callable
from decimal import Decimal, DecimalException
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.utils import flatatt
from django.utils import formats, translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

__all__ = [
    "LocalizedDecimalField",
    "LocalizedIntegerField",
    "SearchPickerField",
    "SearchPickerInput",
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

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # DecimalField is an IntegerField
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


# --- Search picker: choosing one of a thousand rows ---------------------------------------

PICK_SUFFIX = "_pick"


class SearchPickerInput(forms.Widget):
    """A text field where the user types a name or a code, plus the id of the row chosen.

    Without JavaScript the form is sent with the text; SearchPickerField finds the row, and
    when several match the page comes back with them as radio buttons under the field. With
    JavaScript (static/js/picker.js) the text field offers the matches as the user types,
    from `source_url` (a small JSON endpoint answering {"results": [{"id", "label"}]}), and
    fills the hidden id."""

    def __init__(self, *, source_url: Any = "", attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs)
        self.source_url = source_url
        # Set by SearchPickerField when the text matched several rows: [(id, label), ...].
        self.candidates: list[tuple[Any, str]] = []

    def value_from_datadict(self, data: Any, files: Any, name: str) -> dict[str, str]:
        picks = [value for value in data.getlist(name + PICK_SUFFIX) if value] if hasattr(data, "getlist") else []
        if not picks and data.get(name + PICK_SUFFIX):
            picks = [data[name + PICK_SUFFIX]]
        # The hidden id comes first and a ticked candidate after it: the last one given wins.
        return {"text": str(data.get(name) or ""), "pick": str(picks[-1]) if picks else ""}

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and (name + PICK_SUFFIX) not in data

    def format_value(self, value: Any) -> dict[str, str]:
        if isinstance(value, dict):
            return {"text": str(value.get("text") or ""), "pick": str(value.get("pick") or "")}
        return {"text": "", "pick": ""}

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> SafeString:
        current = self.format_value(value)
        final_attrs = self.build_attrs(self.attrs, attrs)
        final_attrs.update(
            {
                "type": "text",
                "name": name,
                "value": current["text"],
                "autocomplete": "off",
                "data-picker-input": "",
                "data-picker-source": str(self.source_url),
                "data-picker-pick": name + PICK_SUFFIX,
                "spellcheck": "false",
                # Read out by the script's live region when suggestions arrive.
                "data-picker-found": gettext("%(count)s suggestions, use the arrow keys to choose"),
                "data-picker-none": gettext("No suggestions"),
            }
        )
        parts = [
            format_html("<input{}>", flatatt(final_attrs)),
            format_html('<input type="hidden" name="{}" value="{}">', name + PICK_SUFFIX, current["pick"]),
        ]
        if self.candidates:
            base_id = final_attrs.get("id") or name
            options = format_html_join(
                "",
                '<label for="{0}_pick_{1}"><input type="radio" id="{0}_pick_{1}" name="{2}" value="{3}"> {4}</label>',
                ((base_id, i, name + PICK_SUFFIX, pk, label) for i, (pk, label) in enumerate(self.candidates)),
            )
            parts.append(
                format_html(
                    '<fieldset class="picker-candidates"><legend>{}</legend>{}</fieldset>',
                    gettext("Choose one"),
                    options,
                )
            )
        return format_html('<div class="picker" data-picker>{}</div>', mark_safe("".join(parts)))  # parts escaped


class SearchPickerField(forms.Field):
    """One row of a large queryset (e.g. the registry's thousand organizations), picked by
    typing rather than scrolling a thousand-option list. The app gives the queryset (what
    may be picked: a row outside it is refused however its id arrives), `search(queryset,
    text)` (the rows the text matches, best first), `label_from_instance(row)`, and the JSON endpoint the
    script asks for suggestions."""

    widget = SearchPickerInput
    default_error_messages = {
        "not_found": _("Nothing matches “%(text)s”. Check the spelling or type the code."),
        "ambiguous": _("%(count)s match “%(text)s”: choose one below, or type more of the name or the code."),
        "invalid_pick": _("That choice is not available here. Type the name or the code again."),
    }
    MAX_CANDIDATES = 8

    def __init__(
        self,
        *,
        queryset: QuerySet,
        search: Callable[[QuerySet, str], QuerySet],
        label_from_instance: Callable[[Any], str],
        source_url: Any = "",
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("widget", SearchPickerInput(source_url=source_url))
        super().__init__(**kwargs)
        self.queryset = queryset
        self.search = search
        self.label_from_instance = label_from_instance

    def prepare_value(self, value: Any) -> dict[str, str]:
        if isinstance(value, dict):
            return value
        if value in self.empty_values:
            return {"text": "", "pick": ""}
        row = value if hasattr(value, "pk") else self._row(value)
        if row is None:
            return {"text": "", "pick": ""}
        return {"text": self.label_from_instance(row), "pick": str(row.pk)}

    def _row(self, pk: Any) -> Any:
        try:
            return self.queryset.filter(pk=int(pk)).first()
        except (TypeError, ValueError, OverflowError):
            return None

    def to_python(self, value: Any) -> Any:
        if not isinstance(value, dict):
            value = {"text": str(value or ""), "pick": ""}
        text, pick = value.get("text", "").strip(), value.get("pick", "")
        if pick:
            row = self._row(pick) if str(pick).isascii() and str(pick).isdigit() and len(str(pick)) <= 18 else None
            if row is None:
                raise ValidationError(self.error_messages["invalid_pick"], code="invalid_pick")
            return row
        if not text:
            return None
        matches = list(self.search(self.queryset, text)[: self.MAX_CANDIDATES + 1])
        if len(matches) == 1:
            return matches[0]
        if not matches:
            raise ValidationError(self.error_messages["not_found"], code="not_found", params={"text": text})
        assert isinstance(self.widget, SearchPickerInput)
        self.widget.candidates = [(row.pk, self.label_from_instance(row)) for row in matches[: self.MAX_CANDIDATES]]
        count = str(len(matches)) if len(matches) <= self.MAX_CANDIDATES else f"{self.MAX_CANDIDATES}+"
        raise ValidationError(self.error_messages["ambiguous"], code="ambiguous", params={"text": text, "count": count})

    def has_changed(self, initial: Any, data: Any) -> bool:
        initial_pk = str(getattr(initial, "pk", initial) or "")
        return initial_pk != str((data or {}).get("pick") or "")
