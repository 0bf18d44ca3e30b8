"""Small helpers shared by the member services."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from clac.models import User

# simple_history reads `_history_user` and `_change_reason` from the instance when it writes
# the history row of a save() or delete(). They are not model fields, so the type checker does
# not know them: these helpers are the one place that sets them.


def set_history_user(instance: models.Model, actor: User | None) -> None:
    """Attribute the history row simple_history writes on save() to the acting user, also
    outside a request (tasks, commands)."""
    if actor is not None and getattr(actor, "pk", None) is not None:
        instance._history_user = actor  # type: ignore[attr-defined]


def set_change_reason(instance: models.Model, reason: str) -> None:
    instance._change_reason = reason  # type: ignore[attr-defined]


def set_history_actor_and_reason(instance: models.Model, *, actor: User | None, reason: str) -> None:
    """Unlike set_history_user, also records a missing actor as None (the history row then
    names nobody instead of the request's user)."""
    instance._history_user = actor  # type: ignore[attr-defined]
    set_change_reason(instance, reason)


def apply_fields(instance: models.Model, fields: dict[str, Any], allowed: frozenset[str]) -> list[str]:
    """Set the given fields on the instance; return the names of those that changed."""
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), _("This field cannot be changed here.")))
    changed = []
    for name, value in fields.items():
        if getattr(instance, name) != value:
            setattr(instance, name, value)
            changed.append(name)
    return changed


def full_clean_fields(instance: models.Model) -> None:
    """Run the model's field validation (and clean()) and raise one ValidationError with all
    messages. Derived (non-editable) fields are the services' business; unique checks are
    left to the services and constraints."""
    derived = [f.name for f in instance._meta.fields if not f.editable]
    instance.full_clean(exclude=derived, validate_unique=False, validate_constraints=False)
