"""Form helpers every app's dashboard and portal pages share. The platform imports no app."""

from django import forms
from django.core.exceptions import ValidationError

__all__ = ["add_service_errors"]


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
