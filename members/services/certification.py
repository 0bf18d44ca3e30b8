"""Fairtrade certification (FLOCERT) records of an organization."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from clac.models import User
from members import rules
from members.models import Certification, Organization
from members.services._common import full_clean_fields, set_history_user
from members.services.membership import membership_flag_for_review

__all__ = ["certification_set"]


@transaction.atomic
def certification_set(
    *,
    actor: User | None,
    organization: Organization,
    standard: str,
    status: str,
    cycle_start: datetime.date | None = None,
    cycle_end: datetime.date | None = None,
    last_audit_date: datetime.date | None = None,
    last_audit_type: str = "",
) -> Certification:
    """Create or update the organization's certificate under a standard. A suspension or
    decertification flags the CLAC membership for review; it never changes it by itself."""
    cert = Certification.objects.select_for_update().filter(organization=organization, standard=standard).first()
    previous_status = cert.status if cert is not None else None
    if cert is None:
        cert = Certification(organization=organization, standard=standard)
    cert.status = status
    cert.cycle_start = cycle_start
    cert.cycle_end = cycle_end
    cert.last_audit_date = last_audit_date
    cert.last_audit_type = last_audit_type

    errors: dict[str, list[str]] = {}
    try:
        full_clean_fields(cert)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if cycle_start and cycle_end and cycle_end <= cycle_start:
        errors.setdefault("cycle_end", []).append(_("The cycle must end after it starts."))
    if status == Certification.Status.CERTIFIED and not cycle_end:
        errors.setdefault("cycle_end", []).append(_("A certified organization has a cycle end date."))
    if last_audit_date and not last_audit_type:
        errors.setdefault("last_audit_type", []).append(_("Say which kind of audit it was."))
    if errors:
        raise ValidationError(errors)

    set_history_user(cert, actor)
    cert.save()
    if rules.certificate_change_flags(previous_status=previous_status, status=status):
        membership_flag_for_review(
            organization=organization,
            reason=rules.certificate_flag_reason(cert.get_standard_display(), cert.get_status_display()),
            actor=actor,
        )
    return cert
