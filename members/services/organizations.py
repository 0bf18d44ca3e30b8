"""Organizations: create, edit, and the staff-approved change proposals of the portal."""

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clac import plugins
from clac.models import User
from members import rules
from members.languages import languages_canonical
from members.models import Country, Membership, Organization, OrganizationChangeProposal, Product
from members.normalize import normalize_email, normalize_organization_name
from members.services._common import apply_fields, full_clean_fields, set_history_user

__all__ = [
    "ORGANIZATION_CHANGED",
    "ORGANIZATION_EDITABLE_FIELDS",
    "change_proposal_approve",
    "change_proposal_reject",
    "organization_create",
    "organization_propose_change",
    "organization_update",
]

ORGANIZATION_EDITABLE_FIELDS = frozenset(
    {
        "kind", "name", "legal_name", "tax_id", "country", "region", "locality", "address", "latitude",
        "longitude", "parent", "flo_id", "founding_year", "website", "email", "phone", "languages", "description",
    }
)  # fmt: skip
# Told to the apps listening (clac.plugins.emit) after every change that may move the
# organization in or out of a network: its country, kind, products or membership status.
ORGANIZATION_CHANGED = "members.organization_changed"
MEMBERSHIP_DECIDING_FIELDS = frozenset({"country", "kind"})
# Fields a portal user may only propose; staff approve them (legal identity of the member).
PROPOSAL_FIELDS = frozenset(OrganizationChangeProposal.Field.values)


def _validate_organization(org: Organization) -> None:
    errors: dict[str, list[str]] = {}
    try:
        full_clean_fields(org)
    except ValidationError as exc:
        errors.update(exc.message_dict)

    if org.flo_id and "flo_id" not in errors:
        clash = Organization.objects.filter(flo_id=org.flo_id).exclude(pk=org.pk).first()
        if clash is not None:
            errors.setdefault("flo_id", []).append(
                _("FLO ID %(flo_id)s already belongs to %(name)s.") % {"flo_id": org.flo_id, "name": clash.name}
            )

    # A half-given pair is always reported; the country check needs two valid coordinates.
    if (org.latitude is None) != (org.longitude is None) or ("latitude" not in errors and "longitude" not in errors):
        problem = rules.coordinates_problem(org.country if org.country_id else None, org.latitude, org.longitude)
        if problem:
            errors.setdefault("latitude", []).append(problem)

    if org.parent_id is not None:
        parent = org.parent
        assert parent is not None  # parent_id is set
        if org.pk is not None and parent.pk == org.pk:
            errors.setdefault("parent", []).append(_("An organization cannot be its own parent union."))
        elif parent.kind != Organization.Kind.SPO2:
            errors.setdefault("parent", []).append(_("The parent must be a second-tier union."))
        elif org.pk is not None:
            # Walk up from the proposed parent: meeting ourselves means a cycle.
            seen: set[int] = set()
            current: Organization | None = parent
            while current is not None and current.pk not in seen:
                if current.pk == org.pk:
                    errors.setdefault("parent", []).append(
                        _("%(parent)s is already a member of this union; a union cannot be its own ancestor.")
                        % {"parent": parent}
                    )
                    break
                seen.add(current.pk)
                current = current.parent

    if errors:
        raise ValidationError(errors)


def _clean_contact(fields: dict[str, Any]) -> None:
    if fields.get("email"):
        fields["email"] = normalize_email(fields["email"])
    if fields.get("phone"):
        fields["phone"] = rules.phone_normalize(fields["phone"])
    for key in ("name", "legal_name", "tax_id", "region", "locality", "flo_id"):
        if isinstance(fields.get(key), str):
            fields[key] = fields[key].strip()
    if "languages" in fields:
        fields["languages"] = languages_canonical(fields["languages"] or [])


@transaction.atomic
def organization_create(
    *,
    actor: User | None,
    kind: str,
    name: str,
    country: Country,
    legal_name: str = "",
    tax_id: str = "",
    region: str = "",
    locality: str = "",
    address: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
    parent: Organization | None = None,
    flo_id: str = "",
    products: Iterable[Product] = (),
    founding_year: int | None = None,
    website: str = "",
    email: str = "",
    phone: str = "",
    languages: Iterable[str] = (),
    description: str = "",
) -> Organization:
    """Register an organization; its CLAC membership starts as an application."""
    fields: dict[str, Any] = {
        "kind": kind, "name": name, "country": country, "legal_name": legal_name, "tax_id": tax_id,
        "region": region, "locality": locality, "address": address, "latitude": latitude, "longitude": longitude,
        "parent": parent, "flo_id": flo_id, "founding_year": founding_year, "website": website, "email": email,
        "phone": phone, "languages": languages, "description": description,
    }  # fmt: skip
    _clean_contact(fields)
    org = Organization(**fields)
    org.normalized_name = normalize_organization_name(org.name)
    _validate_organization(org)
    set_history_user(org, actor)
    org.save()
    products = list(products)
    if products:
        org.products.set(products)
    membership = Membership(organization=org, status=Membership.Status.APPLICANT)
    set_history_user(membership, actor)
    membership.save()
    plugins.emit(ORGANIZATION_CHANGED, organization_id=org.pk)
    return org


@transaction.atomic
def organization_update(*, actor: User | None, organization: Organization, **fields: Any) -> Organization:
    """Change an organization's profile. `products` replaces the set of products."""
    products = fields.pop("products", None)
    org = Organization.objects.select_for_update().get(pk=organization.pk)
    _clean_contact(fields)
    changed = apply_fields(org, fields, ORGANIZATION_EDITABLE_FIELDS)
    if "name" in changed:
        org.normalized_name = normalize_organization_name(org.name)
        changed.append("normalized_name")
    if changed:
        _validate_organization(org)
        set_history_user(org, actor)
        org.save(update_fields=[*changed, "updated_at"])
    products_changed = False
    if products is not None:
        new_ids = {p.pk for p in products}
        if new_ids != set(org.products.values_list("pk", flat=True)):
            org.products.set(new_ids)
            products_changed = True
    if products_changed or MEMBERSHIP_DECIDING_FIELDS & set(changed):
        plugins.emit(ORGANIZATION_CHANGED, organization_id=org.pk)
    return org


def _proposal_value(field: str, value: str) -> tuple[str, Any]:
    """Validate a proposed value as the field would; return (text, value for the model)."""
    value = (value or "").strip()
    if field == OrganizationChangeProposal.Field.COUNTRY:
        country = Country.objects.filter(code=value.upper()).first()
        if country is None:
            raise ValidationError({"proposed_value": _("Unknown country code %(code)s.") % {"code": value}})
        return country.code, country
    if field == OrganizationChangeProposal.Field.KIND:
        if value not in Organization.Kind.values:
            raise ValidationError({"proposed_value": _("Unknown kind of organization.")})
        return value, value
    if field == OrganizationChangeProposal.Field.FLO_ID:
        probe = Organization(flo_id=value)
        try:
            probe.clean_fields(exclude=[f.name for f in Organization._meta.fields if f.name != "flo_id"])
        except ValidationError as exc:
            raise ValidationError({"proposed_value": exc.message_dict["flo_id"]}) from exc
        return value, value
    if not value:
        raise ValidationError({"proposed_value": _("Write the new value.")})
    return value, value


def _current_text(org: Organization, field: str) -> str:
    if field == OrganizationChangeProposal.Field.COUNTRY:
        return org.country_id
    return str(getattr(org, field) or "")


@transaction.atomic
def organization_propose_change(
    *, actor: User | None, organization: Organization, field: str, proposed_value: str, reason: str = ""
) -> OrganizationChangeProposal:
    """A portal user asks staff to change the legal name, FLO ID, country or kind."""
    if field not in PROPOSAL_FIELDS:
        raise ValidationError({"field": _("This field is changed directly, not by proposal.")})
    text, _value = _proposal_value(field, proposed_value)
    current = _current_text(organization, field)
    if text == current:
        raise ValidationError({"proposed_value": _("This is already the current value.")})
    if OrganizationChangeProposal.objects.filter(organization=organization, field=field, status="pending").exists():
        raise ValidationError(
            {"field": _("A change of this field is already waiting for CLAC staff; wait for their decision.")}
        )
    return OrganizationChangeProposal.objects.create(
        organization=organization,
        field=field,
        current_value=current,
        proposed_value=text,
        reason=reason.strip(),
        proposed_by=actor,
    )


def _lock_pending(proposal: OrganizationChangeProposal) -> OrganizationChangeProposal:
    locked = OrganizationChangeProposal.objects.select_for_update().get(pk=proposal.pk)
    if locked.status != OrganizationChangeProposal.Status.PENDING:
        raise ValidationError(_("This proposal was already decided."))
    return locked


@transaction.atomic
def change_proposal_approve(
    *, actor: User | None, proposal: OrganizationChangeProposal, note: str = ""
) -> OrganizationChangeProposal:
    """Apply the proposed value (with the same validation as a staff edit) and close it."""
    locked = _lock_pending(proposal)
    _text, value = _proposal_value(locked.field, locked.proposed_value)
    organization_update(actor=actor, organization=locked.organization, **{locked.field: value})
    locked.status = OrganizationChangeProposal.Status.APPROVED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_note = note.strip()
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    return locked


@transaction.atomic
def change_proposal_reject(
    *, actor: User | None, proposal: OrganizationChangeProposal, note: str
) -> OrganizationChangeProposal:
    if not note.strip():
        raise ValidationError({"note": _("Tell the organization why the change is rejected.")})
    locked = _lock_pending(proposal)
    locked.status = OrganizationChangeProposal.Status.REJECTED
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.decision_note = note.strip()
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    return locked
