"""People, their consents, and their affiliations to organizations."""

import datetime
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clac.models import User
from members import rules
from members.models import Affiliation, Consent, Organization, Person
from members.normalize import normalize_email, normalize_person_name
from members.services._common import apply_fields, full_clean_fields, set_history_user

__all__ = [
    "PERSON_EDITABLE_FIELDS",
    "ConsentAnswer",
    "ConsentChannelError",
    "affiliation_create",
    "affiliation_end",
    "affiliation_update",
    "consent_record",
    "consents_record",
    "person_add_to_organization",
    "person_create",
    "person_update",
    "person_update_with_consents",
]

PERSON_EDITABLE_FIELDS = frozenset(
    {"first_name", "last_name", "email", "email_secondary", "phone", "preferred_language", "gender", "birth_year",
     "notes"}
)  # fmt: skip
AFFILIATION_EDITABLE_FIELDS = frozenset({"role", "start_date", "end_date", "is_primary"})


def _clean_person_fields(fields: dict[str, Any]) -> None:
    for key in ("first_name", "last_name"):
        if isinstance(fields.get(key), str):
            fields[key] = fields[key].strip()
    for key in ("email", "email_secondary"):
        if isinstance(fields.get(key), str):
            fields[key] = normalize_email(fields[key])
    if isinstance(fields.get("phone"), str):
        fields["phone"] = rules.phone_normalize(fields["phone"])


def _validate_person(person: Person, *, check_email: bool = True, email_scope: Organization | None = None) -> None:
    """`email_scope`: the organization a portal user works for. Only a clash with a person
    who serves that organization is refused (and named); a clash elsewhere in the registry is
    saved, so the portal never reveals that an email exists in another organization, and the
    duplicate finder shows the two people to CLAC staff, who merge them."""
    errors: dict[str, list[str]] = {}
    try:
        full_clean_fields(person)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if person.email and check_email and "email" not in errors:
        others = Person.objects.filter(email__iexact=person.email).exclude(pk=person.pk)
        if email_scope is not None:
            others = others.filter(
                affiliations__organization=email_scope, affiliations__end_date__isnull=True
            ).distinct()
        clash = others.order_by("pk").first()
        if clash is not None and email_scope is not None:
            errors["email"] = [
                _("%(name)s, in your organization, already has this email. Edit that person instead.") % {"name": clash}
            ]
        elif clash is not None:
            errors["email"] = [
                _("%(email)s already belongs to %(name)s. Edit that person instead, or merge the two.")
                % {"email": person.email, "name": clash}
            ]
    if person.email_secondary and person.email_secondary == person.email:
        errors.setdefault("email_secondary", []).append(_("The second email repeats the first one."))
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def person_create(
    *,
    actor: User | None,
    first_name: str,
    last_name: str = "",
    email: str = "",
    email_secondary: str = "",
    phone: str = "",
    preferred_language: str = "es",
    gender: str = "",
    birth_year: int | None = None,
    notes: str = "",
    email_scope: Organization | None = None,
) -> Person:
    fields: dict[str, Any] = {
        "first_name": first_name, "last_name": last_name, "email": email, "email_secondary": email_secondary,
        "phone": phone, "preferred_language": preferred_language, "gender": gender, "birth_year": birth_year,
        "notes": notes,
    }  # fmt: skip
    _clean_person_fields(fields)
    person = Person(**fields)
    person.normalized_name = normalize_person_name(person.first_name, person.last_name)
    _validate_person(person, email_scope=email_scope)
    set_history_user(person, actor)
    person.save()
    return person


@transaction.atomic
def person_update(
    *, actor: User | None, person: Person, email_scope: Organization | None = None, **fields: Any
) -> Person:
    """Change a person's data. The email is checked against the registry only when it changes:
    a person whose email is also on a suspected duplicate can still be edited."""
    locked = Person.objects.select_for_update().get(pk=person.pk)
    _clean_person_fields(fields)
    changed = apply_fields(locked, fields, PERSON_EDITABLE_FIELDS)
    if not changed:
        return locked
    if {"first_name", "last_name"} & set(changed):
        locked.normalized_name = normalize_person_name(locked.first_name, locked.last_name)
        changed.append("normalized_name")
    _validate_person(locked, check_email="email" in changed, email_scope=email_scope)
    set_history_user(locked, actor)
    locked.save(update_fields=[*changed, "updated_at"])
    return locked


@transaction.atomic
def consent_record(
    *,
    actor: User | None,
    person: Person,
    channel: str,
    granted: bool,
    method: str,
    given_at: datetime.datetime | None = None,
) -> Consent:
    """Record the person's current answer for a channel; earlier answers stay in history."""
    if channel not in Consent.Channel.values:
        raise ValidationError({"channel": _("Unknown channel.")})
    if method not in Consent.Method.values:
        raise ValidationError({"method": _("Say how the consent was given.")})
    given_at = given_at or timezone.now()
    if given_at > timezone.now():
        raise ValidationError({"given_at": _("The date cannot be in the future.")})
    consent = Consent.objects.select_for_update().filter(person=person, channel=channel).first()
    if consent is None:
        consent = Consent(person=person, channel=channel)
    elif consent.granted == granted and consent.method == method:
        return consent
    consent.granted = granted
    consent.method = method
    consent.given_at = given_at
    consent.recorded_by = actor if getattr(actor, "pk", None) else None
    set_history_user(consent, actor)
    consent.save()
    return consent


def _validate_affiliation(aff: Affiliation) -> None:
    errors: dict[str, list[str]] = {}
    try:
        full_clean_fields(aff)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if aff.start_date and aff.end_date and aff.end_date < aff.start_date:
        errors.setdefault("end_date", []).append(_("The end date is before the start date."))
    if aff.end_date is None and "role" not in errors:
        clash = Affiliation.objects.filter(
            person_id=aff.person_id, organization_id=aff.organization_id, role=aff.role, end_date__isnull=True
        ).exclude(pk=aff.pk)
        if clash.exists():
            errors.setdefault("role", []).append(_("This person already holds this role in this organization."))
    if errors:
        raise ValidationError(errors)


def _unset_other_primaries(aff: Affiliation, actor: User | None) -> None:
    # One primary contact per organization: the one CLAC writes to first.
    for other in (
        Affiliation.objects.select_for_update()
        .filter(organization_id=aff.organization_id, is_primary=True)
        .exclude(pk=aff.pk)
    ):
        other.is_primary = False
        set_history_user(other, actor)
        other.save(update_fields=["is_primary", "updated_at"])


@transaction.atomic
def affiliation_create(
    *,
    actor: User | None,
    person: Person,
    organization: Organization,
    role: str,
    start_date: datetime.date | None = None,
    end_date: datetime.date | None = None,
    is_primary: bool = False,
) -> Affiliation:
    aff = Affiliation(
        person=person,
        organization=organization,
        role=role,
        start_date=start_date,
        end_date=end_date,
        is_primary=is_primary and end_date is None,
    )
    _validate_affiliation(aff)
    set_history_user(aff, actor)
    aff.save()
    if aff.is_primary:
        _unset_other_primaries(aff, actor)
    return aff


@transaction.atomic
def affiliation_update(*, actor: User | None, affiliation: Affiliation, **fields: Any) -> Affiliation:
    locked = Affiliation.objects.select_for_update().get(pk=affiliation.pk)
    changed = apply_fields(locked, fields, AFFILIATION_EDITABLE_FIELDS)
    if locked.end_date is not None and locked.is_primary:
        locked.is_primary = False
        changed.append("is_primary")
    if not changed:
        return locked
    _validate_affiliation(locked)
    set_history_user(locked, actor)
    locked.save(update_fields=[*set(changed), "updated_at"])
    if locked.is_primary:
        _unset_other_primaries(locked, actor)
    return locked


@transaction.atomic
def affiliation_end(*, actor: User | None, affiliation: Affiliation, end_date: datetime.date) -> Affiliation:
    if affiliation.end_date is not None:
        raise ValidationError({"end_date": _("This affiliation has already ended.")})
    return affiliation_update(actor=actor, affiliation=affiliation, end_date=end_date)


# --- Compound actions: one user action, several records, one transaction -------------------


class ConsentAnswer(NamedTuple):
    """A person's answer on one channel, as consent_record takes it."""

    channel: str
    granted: bool
    method: str
    given_at: datetime.datetime | None = None


class ConsentChannelError(ValidationError):
    """consent_record's error for one channel of several, with the channel it is about, so a
    page with one form per channel shows it next to that channel's form."""

    def __init__(self, channel: str, error: ValidationError) -> None:
        super().__init__(error.error_dict if hasattr(error, "error_dict") else error.error_list)
        self.channel = channel


@transaction.atomic
def consents_record(*, actor: User | None, person: Person, answers: Iterable[ConsentAnswer]) -> list[Consent]:
    """Record several answers of a person at once: all of them or none, so a refused channel
    never leaves the others half-saved. Raises ConsentChannelError."""
    recorded = []
    for answer in answers:
        try:
            recorded.append(
                consent_record(
                    actor=actor,
                    person=person,
                    channel=answer.channel,
                    granted=answer.granted,
                    method=answer.method,
                    given_at=answer.given_at,
                )
            )
        except ValidationError as error:
            raise ConsentChannelError(answer.channel, error) from error
    return recorded


@transaction.atomic
def person_add_to_organization(
    *,
    actor: User | None,
    organization: Organization,
    role: str,
    person_fields: dict[str, Any],
    start_date: datetime.date | None = None,
    is_primary: bool = False,
    consents: Iterable[ConsentAnswer] = (),
    email_scope: Organization | None = None,
) -> Person:
    """A new person who serves the organization in a role, with their consents: saved together
    or not at all (a half-saved person would be a duplicate on the next try). `person_fields`
    are person_create's arguments. Errors keep the keys of the step that raised them: person
    fields, then affiliation fields (role, start_date, is_primary), then consent fields."""
    person = person_create(actor=actor, email_scope=email_scope, **person_fields)
    affiliation_create(
        actor=actor, person=person, organization=organization, role=role, start_date=start_date, is_primary=is_primary
    )
    consents_record(actor=actor, person=person, answers=consents)
    return person


@transaction.atomic
def person_update_with_consents(
    *,
    actor: User | None,
    person: Person,
    fields: dict[str, Any],
    consents: Iterable[ConsentAnswer] = (),
    email_scope: Organization | None = None,
) -> Person:
    """Change a person's data and their consents together, or nothing."""
    updated = person_update(actor=actor, person=person, email_scope=email_scope, **fields)
    consents_record(actor=actor, person=updated, answers=consents)
    return updated
