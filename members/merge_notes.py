"""What a merge did, as notes stored with the MergeRecord: a code and its parameters, never
English text, so each reader sees them in their own language (the record may be read years
later, by staff working in another language than whoever merged).

    {"code": "primary_demoted", "params": {"person": "Ana Quispe", "role": "legal_representative", ...}}

Field names, relation names and roles are stored as codes too and translated when shown."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

__all__ = ["MergeNote", "merge_note", "merge_note_text"]

MergeNote = dict[str, Any]


def merge_note(code: str, **params: Any) -> MergeNote:
    return {"code": code, "params": params}


def _relation_label(relation: str) -> str:
    """'members.Affiliation.person' → 'affiliations' in the reader's language."""
    label, _sep, _field = relation.rpartition(".")
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return relation
    return str(model._meta.verbose_name_plural)


def _field_label(model_label: str, name: str) -> str:
    try:
        field = apps.get_model(model_label)._meta.get_field(name)
    except (LookupError, ValueError, FieldDoesNotExist):
        return name
    return str(getattr(field, "verbose_name", name))


def _role_label(role: str) -> str:
    from members.models import Affiliation

    try:
        return str(Affiliation.Role(role).label)
    except ValueError:
        return role


def merge_note_text(note: MergeNote) -> str:
    """The note in the active language; an unknown code (a newer release wrote it) shows as
    its code rather than failing the page."""
    code, params = note.get("code", ""), dict(note.get("params") or {})
    if code == "moved":
        count = int(params.get("count", 0))
        return ngettext(
            "%(count)d row of %(relation)s moved to the record that stays.",
            "%(count)d rows of %(relation)s moved to the record that stays.",
            count,
        ) % {"count": count, "relation": _relation_label(params.get("relation", ""))}
    if code == "dropped":
        count = int(params.get("count", 0))
        return ngettext(
            "%(count)d row of %(relation)s was not moved: the record that stays already had it "
            "(its values are kept in the merge snapshot).",
            "%(count)d rows of %(relation)s were not moved: the record that stays already had them "
            "(their values are kept in the merge snapshot).",
            count,
        ) % {"count": count, "relation": _relation_label(params.get("relation", ""))}
    if code == "filled":
        model_label = params.get("model", "")
        fields = ", ".join(_field_label(model_label, name) for name in params.get("fields", []))
        return _("Empty fields filled from the merged record: %(fields)s.") % {"fields": fields}
    if code == "secondary_email":
        return _("The merged person's email %(email)s was kept as the second email.") % {"email": params.get("email")}
    if code == "primary_demoted":
        return _(
            "%(organization)s had two primary contacts after the merge: %(kept)s (%(kept_role)s) stays primary, "
            "%(person)s (%(role)s) is no longer primary."
        ) % {
            "organization": params.get("organization", ""),
            "kept": params.get("kept", ""),
            "kept_role": _role_label(params.get("kept_role", "")),
            "person": params.get("person", ""),
            "role": _role_label(params.get("role", "")),
        }
    return code
