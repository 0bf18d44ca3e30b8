"""Writes on audiences: saved rules, validated here (known choice codes; internal audiences take
member rules only, external ones partner kinds only), with their history."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clac.models import User
from communications.models import Audience, ExternalPartner
from members.models import Affiliation, Country, Membership, Organization, Product
from networks.models import Network

__all__ = ["AUDIENCE_RULE_FIELDS", "audience_create", "audience_update"]

# Choice-code rules and the codes they accept.
_CODE_RULES: dict[str, Any] = {
    "organization_kinds": lambda: Organization.Kind.values,
    "membership_statuses": lambda: Membership.Status.values,
    "affiliation_roles": lambda: Affiliation.Role.values,
    "languages": lambda: [code for code, _name in settings.LANGUAGES],
    "partner_kinds": lambda: ExternalPartner.Kind.values,
}
_INTERNAL_RULES = (
    "organization_kinds",
    "membership_statuses",
    "affiliation_roles",
    "languages",
    "countries",
    "networks",
    "products",
    "primary_contacts_only",
)
AUDIENCE_RULE_FIELDS = (*_INTERNAL_RULES, "partner_kinds")
_TEXT_FIELDS = ("name", "description", "scope")
_M2M = {"countries": Country, "networks": Network, "products": Product}


def _codes(value: Iterable[str] | None) -> list[str]:
    seen: list[str] = []
    for code in value or ():
        if code not in seen:
            seen.append(str(code))
    return seen


def _clean(audience: Audience, values: dict[str, Any], m2m: dict[str, list[Any]]) -> None:
    """Validate every field and raise one ValidationError with all the errors."""
    errors: dict[str, list[str]] = {}
    audience.name = (audience.name or "").strip()
    if not audience.name:
        errors.setdefault("name", []).append(_("Give the audience a name."))
    elif Audience.objects.filter(name__iexact=audience.name).exclude(pk=audience.pk).exists():
        errors.setdefault("name", []).append(_("An audience with this name already exists."))
    if audience.scope not in Audience.Scope.values:
        errors.setdefault("scope", []).append(_("Choose internal or external."))
    for field, allowed in _CODE_RULES.items():
        unknown = [code for code in values.get(field, []) if code not in allowed()]
        if unknown:
            errors.setdefault(field, []).append(_("Unknown values: %(codes)s.") % {"codes": ", ".join(sorted(unknown))})
    for field, objs in m2m.items():
        if any(obj is None for obj in objs):
            errors.setdefault(field, []).append(_("Unknown values."))
    if audience.scope == Audience.Scope.EXTERNAL:
        used = [f for f in _INTERNAL_RULES if (values.get(f) if f not in _M2M else m2m.get(f))]
        for field in used:
            errors.setdefault(field, []).append(
                _("External audiences reach partner contacts: only the partner kinds apply.")
            )
    elif values.get("partner_kinds"):
        errors.setdefault("partner_kinds", []).append(
            _("Internal audiences reach people of member organizations: partner kinds do not apply.")
        )
    if errors:
        raise ValidationError(errors)


def _split(fields: dict[str, Any]) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    values: dict[str, Any] = {}
    m2m: dict[str, list[Any]] = {}
    for key, value in fields.items():
        if key in _M2M:
            m2m[key] = list(value or [])
        elif key in _CODE_RULES:
            values[key] = _codes(value)
        elif key == "primary_contacts_only":
            values[key] = bool(value)
        elif key in _TEXT_FIELDS:
            values[key] = value or ""
        else:
            raise TypeError(f"Unknown audience field {key!r}")
    return values, m2m


def _save(audience: Audience, fields: dict[str, Any], actor: User | None) -> Audience:
    values, m2m = _split(fields)
    for key, value in values.items():
        setattr(audience, key, value)
    _clean(audience, values | {k: getattr(audience, k) for k in _CODE_RULES if k not in values}, m2m)
    if actor is not None and getattr(actor, "pk", None):
        audience._history_user = actor  # type: ignore[attr-defined]
    audience.save()
    for key, objs in m2m.items():
        # Only a real change: simple_history writes a history row per m2m change.
        related = getattr(audience, key)
        if {obj.pk for obj in objs} != set(related.values_list("pk", flat=True)):
            related.set(objs)
    return audience


@transaction.atomic
def audience_create(*, actor: User | None, name: str, scope: str = Audience.Scope.INTERNAL, **rules: Any) -> Audience:
    """A new audience. `rules`: description and the rule fields of AUDIENCE_RULE_FIELDS
    (code lists, model instances for countries/networks/products, primary_contacts_only)."""
    audience = Audience(created_by=actor if getattr(actor, "pk", None) else None)
    return _save(audience, {"name": name, "scope": scope, **rules}, actor)


@transaction.atomic
def audience_update(*, actor: User | None, audience: Audience, **fields: Any) -> Audience:
    """Change an audience's name, description or rules; the history keeps the earlier rules."""
    locked = Audience.objects.select_for_update().get(pk=audience.pk)
    if "scope" in fields and fields["scope"] != locked.scope:
        # Switching scope clears the rules of the other scope.
        for key in AUDIENCE_RULE_FIELDS:
            fields.setdefault(key, [] if key != "primary_contacts_only" else False)
    return _save(locked, fields, actor)
