"""Reads of the inquiries area: who handles inquiries, the access helper, the staff list with
its filters, one inquiry's thread, and the home panel's counts.

Inquiries hold the personal data of members of the public, read on a need-to-know basis:
administrators and the communications team (INQUIRY_HANDLERS) read and handle them; every
other staff role (finance, coordinators, M&E, viewers) is refused (403), as are portal users,
and partner keys have no inquiry endpoint at all."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from clac.models import User
from clac.roles import StaffRole, user_has_any_role
from communications.models import Inquiry, InquiryMessage

__all__ = [
    "INQUIRY_HANDLERS",
    "InquiryFilters",
    "inquiries_home_context",
    "inquiry_assignee_ids",
    "inquiry_assignees",
    "inquiry_get_for_user",
    "inquiry_list",
    "inquiry_message_get_for_user",
    "inquiry_thread",
    "user_can_handle_inquiries",
]

INQUIRY_HANDLERS = frozenset({StaffRole.ADMIN, StaffRole.COMMUNICATIONS})
# The list's age filter: received within these many days, or longer ago ("older").
AGE_CHOICES_DAYS = {"1": 1, "7": 7, "30": 30}


def user_can_handle_inquiries(user: Any) -> bool:
    return user_has_any_role(user, INQUIRY_HANDLERS)


def _require_handler(user: Any) -> None:
    if not user_can_handle_inquiries(user):
        raise PermissionDenied


def inquiry_assignees() -> QuerySet[User]:
    """Who an inquiry can be given to: active administrators and communications staff."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__name__in=INQUIRY_HANDLERS) | Q(is_superuser=True))
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


def inquiry_assignee_ids() -> set[int]:
    return set(inquiry_assignees().values_list("pk", flat=True))


def inquiry_get_for_user(*, user: Any, pk: int, for_change: bool = False) -> Inquiry:
    """One inquiry for a handler (403 for anyone else, 404 for an unknown one). Handlers both
    read and change, so `for_change` asks nothing more; it is accepted like the other helpers'."""
    _require_handler(user)
    inquiry = Inquiry.objects.select_related("assignee").filter(pk=pk).first()
    if inquiry is None:
        raise Http404
    return inquiry


def inquiry_message_get_for_user(*, user: Any, inquiry_pk: int, pk: int) -> InquiryMessage:
    """One entry of an inquiry's thread (404 when it is not that inquiry's)."""
    _require_handler(user)
    message = InquiryMessage.objects.select_related("inquiry").filter(pk=pk, inquiry_id=inquiry_pk).first()
    if message is None:
        raise Http404
    return message


@dataclass(frozen=True)
class InquiryFilters:
    status: str = ""  # one status, "open" (new or assigned), or "" for all
    category: str = ""
    language: str = ""
    assignee: User | None = None
    unassigned: bool = False
    # "1", "7", "30": received within that many days; "older": more than 30 days ago.
    age: str = ""


def inquiry_list(*, filters: InquiryFilters | None = None, now: datetime.datetime | None = None) -> QuerySet[Inquiry]:
    """Inquiries newest first with their assignee, filtered; ordered by the indexed arrival
    and id so that any page costs what the first does."""
    filters = filters or InquiryFilters()
    now = now or timezone.now()
    queryset = Inquiry.objects.select_related("assignee")
    if filters.status == "open":
        queryset = queryset.filter(status__in=Inquiry.OPEN_STATUSES)
    elif filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.category:
        queryset = queryset.filter(category=filters.category)
    if filters.language:
        queryset = queryset.filter(language=filters.language)
    if filters.assignee is not None:
        queryset = queryset.filter(assignee=filters.assignee)
    if filters.unassigned:
        queryset = queryset.filter(assignee__isnull=True)
    if filters.age == "older":
        queryset = queryset.filter(received_at__lt=now - datetime.timedelta(days=30))
    elif filters.age in AGE_CHOICES_DAYS:
        queryset = queryset.filter(received_at__gte=now - datetime.timedelta(days=AGE_CHOICES_DAYS[filters.age]))
    return queryset.order_by("-received_at", "-id")


def inquiry_thread(*, inquiry: Inquiry) -> list[InquiryMessage]:
    """The thread in order, with who wrote or changed what (one query)."""
    return list(
        InquiryMessage.objects.filter(inquiry=inquiry).select_related("author", "assignee").order_by("created_at", "id")
    )


def inquiries_home_context(*, user: Any) -> dict[str, Any]:
    """The dashboard home's inquiries panel: new (unassigned) inquiries, the open ones
    assigned to the user, and the oldest new one's date. One query."""
    counts = Inquiry.objects.filter(status__in=Inquiry.OPEN_STATUSES).aggregate(
        new=Count("pk", filter=Q(status=Inquiry.Status.NEW)),
        mine=Count("pk", filter=Q(status=Inquiry.Status.ASSIGNED, assignee_id=getattr(user, "pk", None))),
        open=Count("pk"),
    )
    return {"inquiry_counts": counts}
