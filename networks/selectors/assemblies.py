"""Reads of the assemblies area: permission-scoped querysets, the `<entity>_get_for_user`
access helpers (sessions, delegates, motions), the quorum figures and the rules the services
and the pages share (who may send delegates, when the quorum is met).

Who sees what:
- staff (dashboard, API): every staff role reads every session; changing one needs
  `network_can_change(user, body.network)` (a General Assembly belongs to no network: admins
  only), otherwise 403.
- portal (`organization` given): a session the organization may send delegates to, or has
  delegates in; its own delegates only (404 for anything else, so nothing is revealed);
  changing needs the portal admin or editor role (403 for viewers).
"""

from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from clac.roles import user_is_staff_member
from members.models import Affiliation, Country, Membership, Organization, Person
from members.selectors.access import access_scope, require_change
from networks.models import AssemblySession, Body, Delegate, Motion, Network, NetworkMembership
from networks.selectors.networks import network_can_change, networks_changeable_by

__all__ = [
    "assembly_bodies_for_user",
    "assembly_delegate_countries",
    "assembly_delegate_list",
    "assembly_eligible_organizations",
    "assembly_motion_list",
    "assembly_quorum_figures",
    "assembly_session_can_change",
    "assembly_session_get_for_user",
    "assembly_session_list",
    "delegate_get_for_user",
    "motion_get_for_user",
    "network_section",
    "organization_current_people",
    "organization_may_send_delegates",
    "portal_assembly_sessions",
    "quorum_is_met",
]

Status = AssemblySession.Status
NETWORK_SECTION_SESSIONS = 5


# --- Rules shared with the services -------------------------------------------------------


def quorum_is_met(*, accredited_votes: int, expected_votes: int | None, quorum_percent: Decimal) -> bool:
    """accredited ≥ quorum_percent % of expected (Decimal arithmetic: 50 % of 201 is 100.5,
    so 100 votes do not make it)."""
    if not expected_votes:
        return False
    return Decimal(accredited_votes) * 100 >= quorum_percent * expected_votes


def _current_network_memberships(organization_ref: Any) -> QuerySet[NetworkMembership]:
    today = timezone.localdate()
    return NetworkMembership.objects.filter(organization=organization_ref, since__lte=today).filter(
        Q(until__isnull=True) | Q(until__gte=today)
    )


def organization_may_send_delegates(*, session: AssemblySession, organization: Organization) -> bool:
    """A current member of the body's network or, for the General Assembly (no network), an
    active CLAC member."""
    network_id = session.body.network_id
    if network_id is None:
        return Membership.objects.filter(organization=organization, status=Membership.Status.ACTIVE).exists()
    return _current_network_memberships(organization).filter(network_id=network_id).exists()


def _sessions_open_to(organization: Organization) -> Q:
    """Sessions whose body's network counts the organization as a current member, or General
    Assembly sessions when it is an active CLAC member (as one SQL condition)."""
    active_member = Membership.objects.filter(organization=organization, status=Membership.Status.ACTIVE)
    in_network = _current_network_memberships(organization).filter(network_id=OuterRef("body__network_id"))
    return (Q(body__network__isnull=True) & Q(Exists(active_member))) | Q(Exists(in_network))


def assembly_eligible_organizations(*, session: AssemblySession) -> QuerySet[Organization]:
    """The organizations that may send delegates to the session, by name."""
    if session.body.network_id is None:
        found = Organization.objects.filter(membership__status=Membership.Status.ACTIVE)
    else:
        in_network = _current_network_memberships(OuterRef("pk")).filter(network_id=session.body.network_id)
        found = Organization.objects.filter(Exists(in_network))
    return found.select_related("country").order_by("name", "id")


def organization_current_people(*, organization: Organization) -> QuerySet[Person]:
    """People currently serving the organization (who may be its delegates)."""
    today = timezone.localdate()
    current = (
        Affiliation.objects.filter(person_id=OuterRef("pk"), organization=organization)
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=today))
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
    )
    return Person.objects.filter(Exists(current)).order_by("last_name", "first_name", "id")


# --- Access helpers -----------------------------------------------------------------------


def assembly_session_can_change(user, session: AssemblySession) -> bool:
    return network_can_change(user, session.body.network)


def _portal_scope(user, organization: Organization) -> None:
    """404 unless the user works for the organization in the portal."""
    access_scope(user=user, organization=organization)


def _portal_require_change(user, organization: Organization) -> None:
    """403 for the organization's portal viewers."""
    require_change(user, scope=organization, record_organization=organization)


def assembly_session_get_for_user(
    *, user, pk: int, organization: Organization | None = None, for_change: bool = False
) -> AssemblySession:
    """One session. Staff: any (for_change: 403 unless they may change its network's records).
    Portal: a session the organization may send delegates to or has delegates in (404
    otherwise); for_change: 403 for portal viewers."""
    found = AssemblySession.objects.select_related("body", "body__network", "quorum_certified_by", "closed_by")
    if organization is not None:
        _portal_scope(user, organization)
        own_delegates = Delegate.objects.filter(session=OuterRef("pk"), organization=organization)
        found = found.filter(_sessions_open_to(organization) | Q(Exists(own_delegates)))
    elif not user_is_staff_member(user):
        raise Http404
    session = found.filter(pk=pk).first()
    if session is None:
        raise Http404
    if for_change:
        if organization is not None:
            _portal_require_change(user, organization)
        elif not assembly_session_can_change(user, session):
            raise PermissionDenied
    return session


def delegate_get_for_user(
    *, user, pk: int, organization: Organization | None = None, for_change: bool = False
) -> Delegate:
    """One delegate. Staff: any (for_change as for its session). Portal: the organization's
    own delegates only (404 otherwise); for_change: 403 for portal viewers."""
    found = Delegate.objects.select_related(
        "session", "session__body", "session__body__network", "organization", "person", "country"
    )
    if organization is not None:
        _portal_scope(user, organization)
        found = found.filter(organization=organization)
    elif not user_is_staff_member(user):
        raise Http404
    delegate = found.filter(pk=pk).first()
    if delegate is None:
        raise Http404
    if for_change:
        if organization is not None:
            _portal_require_change(user, organization)
        elif not assembly_session_can_change(user, delegate.session):
            raise PermissionDenied
    return delegate


def motion_get_for_user(*, user, pk: int, for_change: bool = False) -> Motion:
    """One motion, for staff (the portal shows motions only on the session's record)."""
    if not user_is_staff_member(user):
        raise Http404
    motion = (
        Motion.objects.select_related("session", "session__body", "session__body__network", "recorded_by")
        .filter(pk=pk)
        .first()
    )
    if motion is None:
        raise Http404
    if for_change and not assembly_session_can_change(user, motion.session):
        raise PermissionDenied
    return motion


def assembly_bodies_for_user(user) -> QuerySet[Body]:
    """The assembly bodies (General Assembly, network assemblies) the user may hold sessions of."""
    bodies = Body.objects.filter(kind__in=AssemblySession.BODY_KINDS).select_related("network")
    if network_can_change(user, None):
        return bodies.order_by("network__name", "name")
    return bodies.filter(network__in=networks_changeable_by(user)).order_by("network__name", "name")


# --- Lists and figures --------------------------------------------------------------------


def _with_vote_figures(sessions: QuerySet[AssemblySession]) -> QuerySet[AssemblySession]:
    return sessions.annotate(
        accredited_votes=Sum("delegates__votes", filter=Q(delegates__status=Delegate.Status.ACCREDITED)),
        delegate_count=Count("delegates", filter=~Q(delegates__status=Delegate.Status.WITHDRAWN)),
    )


def assembly_session_list(*, filters: dict[str, Any] | None = None) -> QuerySet[AssemblySession]:
    """Sessions, latest first, with their accredited votes and delegate count (one query)."""
    filters = filters or {}
    sessions = AssemblySession.objects.select_related("body", "body__network")
    if filters.get("status"):
        sessions = sessions.filter(status=filters["status"])
    if filters.get("network"):
        sessions = sessions.filter(body__network=filters["network"])
    if filters.get("general_assembly"):
        sessions = sessions.filter(body__network__isnull=True)
    return _with_vote_figures(sessions).order_by("-starts_on", "-id")


def assembly_delegate_list(*, session: AssemblySession, filters: dict[str, Any] | None = None) -> QuerySet[Delegate]:
    filters = filters or {}
    delegates = Delegate.objects.filter(session=session).select_related("organization", "person", "country")
    if filters.get("country"):
        delegates = delegates.filter(country=filters["country"])
    if filters.get("product_network"):
        delegates = delegates.filter(product_network=filters["product_network"])
    if filters.get("status"):
        delegates = delegates.filter(status=filters["status"])
    if filters.get("organization"):
        delegates = delegates.filter(organization=filters["organization"])
    if filters.get("search"):
        term = filters["search"].strip()
        delegates = delegates.filter(
            Q(person__first_name__icontains=term)
            | Q(person__last_name__icontains=term)
            | Q(organization__name__icontains=term)
        )
    return delegates.order_by("country_id", "product_network", "organization__name", "id")


def assembly_delegate_countries(*, session: AssemblySession) -> QuerySet[Country]:
    """The countries the session's delegates represent (the filter's choices)."""
    return Country.objects.filter(
        Exists(Delegate.objects.filter(session=session, country_id=OuterRef("code")))
    ).order_by("name")


def assembly_motion_list(*, session: AssemblySession) -> QuerySet[Motion]:
    return Motion.objects.filter(session=session).select_related("recorded_by").order_by("number")


def assembly_quorum_figures(*, session: AssemblySession) -> dict[str, Any]:
    """Accredited and designated votes and delegates, the votes needed and whether the quorum
    is met: one aggregate query."""
    figures = Delegate.objects.filter(session=session).aggregate(
        accredited_votes=Sum("votes", filter=Q(status=Delegate.Status.ACCREDITED)),
        accredited_count=Count("id", filter=Q(status=Delegate.Status.ACCREDITED)),
        designated_votes=Sum("votes", filter=~Q(status=Delegate.Status.WITHDRAWN)),
        designated_count=Count("id", filter=~Q(status=Delegate.Status.WITHDRAWN)),
        withdrawn_count=Count("id", filter=Q(status=Delegate.Status.WITHDRAWN)),
    )
    figures = {key: value or 0 for key, value in figures.items()}
    expected = session.expected_votes
    # Before designation closes the expected votes may still be unset: the designated votes
    # are then the best estimate, and the panel says so.
    basis = expected if expected is not None else figures["designated_votes"]
    needed = (session.quorum_percent * basis / 100) if basis else None
    present_percent = (Decimal(figures["accredited_votes"]) * 100 / basis).quantize(Decimal("0.1")) if basis else None
    return {
        **figures,
        "expected_votes": expected,
        "expected_is_estimate": expected is None,
        "basis_votes": basis,
        "quorum_percent": session.quorum_percent,
        "needed_votes": needed.quantize(Decimal("0.01")).normalize() if needed is not None else None,
        "present_percent": present_percent,
        "met": quorum_is_met(
            accredited_votes=figures["accredited_votes"], expected_votes=basis, quorum_percent=session.quorum_percent
        ),
    }


# --- The portal ---------------------------------------------------------------------------


def portal_assembly_sessions(*, organization: Organization) -> dict[str, Any]:
    """The organization's "Delegates" page: sessions open for designation it may name
    delegates to, and the other sessions it has delegates in (latest first), each with its
    delegates. Three queries whatever the numbers."""
    has_delegates = Exists(Delegate.objects.filter(session=OuterRef("pk"), organization=organization))
    base = AssemblySession.objects.select_related("body", "body__network")
    open_sessions = list(
        base.filter(status=Status.DESIGNATION_OPEN).filter(_sessions_open_to(organization)).order_by("starts_on", "id")
    )
    other_sessions = list(
        base.exclude(pk__in=[s.pk for s in open_sessions]).filter(has_delegates).order_by("-starts_on", "-id")[:20]
    )
    by_session: dict[int, list[Delegate]] = {}
    for delegate in (
        Delegate.objects.filter(organization=organization, session__in=[*open_sessions, *other_sessions])
        .select_related("person", "country")
        .order_by("status", "person__last_name", "id")
    ):
        by_session.setdefault(delegate.session_id, []).append(delegate)
    for session in [*open_sessions, *other_sessions]:
        session.organization_delegates = by_session.get(session.pk, [])
        session.named_count = sum(1 for d in session.organization_delegates if d.status != Delegate.Status.WITHDRAWN)
    return {"open_sessions": open_sessions, "other_sessions": other_sessions}


# --- The network page ---------------------------------------------------------------------


def network_section(*, network: Network) -> dict[str, Any] | None:
    """The network's assembly sessions, latest first, with their status and figures (one
    query); None when the network has held none."""
    sessions = list(
        _with_vote_figures(AssemblySession.objects.filter(body__network=network).select_related("body")).order_by(
            "-starts_on", "-id"
        )[:NETWORK_SECTION_SESSIONS]
    )
    if not sessions:
        return None
    return {"assembly_sessions": sessions}
