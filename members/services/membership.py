"""The CLAC membership lifecycle: applicant → active ⇄ suspended → withdrawn | expelled."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clac import plugins
from clac.models import User
from members.models import Certification, Membership, MembershipEvent, Organization
from members.services._common import set_history_user
from members.services.organizations import ORGANIZATION_CHANGED

__all__ = [
    "REVIEW_CLOSE_LIMIT",
    "membership_flag_for_review",
    "membership_review_resolve",
    "membership_reviews_close",
    "membership_transition",
]

# Reviews one bulk close may answer: a page of the queue, with room to spare.
REVIEW_CLOSE_LIMIT = 200


def _lock_membership(organization: Organization, actor: User | None) -> Membership:
    membership = Membership.objects.select_for_update().filter(organization=organization).first()
    if membership is None:
        membership = Membership(organization=organization, status=Membership.Status.APPLICANT)
        set_history_user(membership, actor)
        membership.save()
    return membership


@transaction.atomic
def membership_transition(
    *,
    actor: User | None,
    organization: Organization,
    to_status: str,
    reason: str,
    occurred_on: datetime.date | None = None,
    override_reason: str = "",
) -> Membership:
    """Move the membership to another status and record who, when and why. Activation needs
    a current Fairtrade certificate (certified or permission to trade) unless staff record
    why they override that rule."""
    membership = _lock_membership(organization, actor)
    from_status = membership.status
    labels = dict(Membership.Status.choices)
    errors: dict[str, list[str]] = {}
    if to_status not in labels:
        raise ValidationError({"to_status": _("Unknown membership status.")})
    if to_status not in membership.allowed_next_statuses():
        allowed = ", ".join(str(labels[s]) for s in membership.allowed_next_statuses()) or _("none")
        raise ValidationError(
            {
                "to_status": _("A membership cannot go from %(from)s to %(to)s. Allowed next: %(allowed)s.")
                % {"from": labels[from_status], "to": labels[to_status], "allowed": allowed}
            }
        )
    if not reason.strip():
        errors["reason"] = [_("Give the reason for this change; it stays in the membership history.")]
    occurred_on = occurred_on or timezone.localdate()
    if occurred_on > timezone.localdate():
        errors["occurred_on"] = [_("The date cannot be in the future.")]
    if to_status == Membership.Status.ACTIVE and not override_reason.strip():
        has_current = Certification.objects.filter(
            organization=organization, status__in=Certification.CURRENT_STATUSES
        ).exists()
        if not has_current:
            errors["override_reason"] = [
                _(
                    "Activation needs a current Fairtrade certificate (certified or permission to trade). "
                    "Record a reason to override this rule."
                )
            ]
    if errors:
        raise ValidationError(errors)

    membership.status = to_status
    membership.status_changed_on = occurred_on
    update_fields = ["status", "status_changed_on", "updated_at"]
    if from_status == Membership.Status.WITHDRAWN and to_status == Membership.Status.APPLICANT:
        # A new application: "member since" will be the new activation's date; the earlier
        # membership stays in the events and in the record's history.
        membership.joined_on = None
        update_fields.append("joined_on")
    if to_status == Membership.Status.ACTIVE and membership.joined_on is None:
        membership.joined_on = occurred_on
        update_fields.append("joined_on")
    if membership.review_requested_at is not None:
        # A decision on the membership answers the open review.
        membership.review_requested_at = None
        membership.review_reason = ""
        update_fields += ["review_requested_at", "review_reason"]
    set_history_user(membership, actor)
    membership.save(update_fields=update_fields)
    MembershipEvent.objects.create(
        membership=membership,
        from_status=from_status,
        to_status=to_status,
        occurred_on=occurred_on,
        reason=reason.strip(),
        override_reason=override_reason.strip(),
        actor=actor,
    )
    plugins.emit(ORGANIZATION_CHANGED, organization_id=organization.pk)
    return membership


@transaction.atomic
def membership_flag_for_review(*, organization: Organization, reason: str, actor: User | None = None) -> Membership:
    """Put the membership in the staff review queue (certificate suspended, long arrears…).
    Idempotent: an open review keeps its date and gains the new reason."""
    membership = _lock_membership(organization, actor)
    update_fields = ["review_reason", "updated_at"]
    if membership.review_requested_at is None:
        membership.review_requested_at = timezone.now()
        membership.review_reason = reason
        update_fields.append("review_requested_at")
    elif reason not in membership.review_reason:
        membership.review_reason = f"{membership.review_reason}\n{reason}".strip()
    else:
        return membership
    set_history_user(membership, actor)
    membership.save(update_fields=update_fields)
    return membership


@transaction.atomic
def membership_review_resolve(*, actor: User | None, organization: Organization, note: str) -> Membership:
    """Close a review without changing the status (e.g. the certificate was reinstated)."""
    if not note.strip():
        raise ValidationError({"note": _("Write what was decided; it stays in the membership history.")})
    membership = _lock_membership(organization, actor)
    if membership.review_requested_at is None:
        raise ValidationError(_("This membership has no open review."))
    membership.review_requested_at = None
    membership.review_reason = ""
    set_history_user(membership, actor)
    membership.save(update_fields=["review_requested_at", "review_reason", "updated_at"])
    MembershipEvent.objects.create(
        membership=membership,
        from_status=membership.status,
        to_status=membership.status,
        occurred_on=timezone.localdate(),
        reason=_("Review closed: %(note)s") % {"note": note.strip()},
        actor=actor,
    )
    return membership


@transaction.atomic
def membership_reviews_close(*, actor: User | None, organizations: list[Organization], note: str) -> list[Membership]:
    """Close the open reviews of several memberships with one decision note, none of their
    statuses changing; each gets its event and history row as a single close would. Reviews
    closed meanwhile are skipped; the closed memberships are returned."""
    errors: dict[str, list[str]] = {}
    if not note.strip():
        errors["note"] = [_("Write what was decided; it stays in the membership history.")]
    if not organizations:
        errors["organizations"] = [_("Select at least one membership to close its review.")]
    elif len(organizations) > REVIEW_CLOSE_LIMIT:
        errors["organizations"] = [
            _("Close at most %(limit)d reviews at once.") % {"limit": REVIEW_CLOSE_LIMIT},
        ]
    if errors:
        raise ValidationError(errors)
    # Locked in id order, as every other writer locks memberships one by one.
    memberships = list(
        Membership.objects.select_for_update()
        .filter(organization__in=organizations, review_requested_at__isnull=False)
        .order_by("pk")
    )
    today = timezone.localdate()
    reason = _("Review closed: %(note)s") % {"note": note.strip()}
    for membership in memberships:
        membership.review_requested_at = None
        membership.review_reason = ""
        set_history_user(membership, actor)
        # One save per row: django-simple-history writes the history row of each.
        membership.save(update_fields=["review_requested_at", "review_reason", "updated_at"])
    MembershipEvent.objects.bulk_create(
        MembershipEvent(
            membership=membership,
            from_status=membership.status,
            to_status=membership.status,
            occurred_on=today,
            reason=reason,
            actor=actor,
        )
        for membership in memberships
    )
    return memberships
