"""Access for dashboard and portal views. Views never write their own ownership checks: they
use these decorators and the `<entity>_get_for_user` helpers in each app's selectors.

The portal's accesses (which organizations a user works for, with which role) come from the
portal gate of the app that owns member organizations (clac.plugins.PortalGate)."""

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from rest_framework.request import Request

from clac import plugins
from clac.models import User
from clac.roles import PortalRole, user_has_any_role, user_is_staff_member

PORTAL_SESSION_KEY = "portal_organization_id"


class PortalRequest(HttpRequest):
    """For type checkers only: the request a `portal_required` view receives, with the two
    attributes the decorator sets. The platform does not know the app's models, hence Any;
    an app may subclass this with its own types (members.portal.MemberPortalRequest)."""

    portal_access: Any
    organization: Any


def request_user(request: HttpRequest | Request) -> User:
    """The signed-in user of a request that `staff_required`, `portal_required` or the API's
    permission classes already let through: what services take as `actor`. Refuses (403)
    anyone else, so a view that forgot its decorator fails closed."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied
    return user


def staff_required(*roles: str) -> Callable:
    """Dashboard views: signed-in staff; with roles given, only those roles (403 otherwise).
    Anonymous users go to the login page; portal-only users get 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user_is_staff_member(request.user):
                raise PermissionDenied
            if roles and not user_has_any_role(request.user, roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def require_staff_roles(user, roles: Iterable[str]) -> None:
    """For views that allow reading to all staff but writing to some roles only."""
    if not user_has_any_role(user, roles):
        raise PermissionDenied


def portal_accesses_for_user(user) -> QuerySet | None:
    """The user's portal accesses (organization, role), or None when no app provides a
    portal or the user is not a signed-in person (a partner key has no portal)."""
    gate = plugins.portal_gate()
    if gate is None or not getattr(user, "is_authenticated", False) or getattr(user, "pk", None) is None:
        return None
    return gate.accesses(user)


def portal_accesses_strongest_first(accesses: QuerySet) -> QuerySet:
    """The accesses with the strongest role first (admin, editor, then viewer), then by
    organization name: after sign-in the portal opens where the user can do the most."""
    strength = Case(
        When(role=PortalRole.ADMIN, then=Value(0)),
        When(role=PortalRole.EDITOR, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return accesses.order_by(strength, "organization__name", "organization_id")


def user_has_portal_access(user) -> bool:
    accesses = portal_accesses_for_user(user)
    return accesses is not None and accesses.exists()


def portal_access_get_for_user(*, user, organization_id: int | None) -> Any:
    """The user's access to an organization's portal; 404 when they have none (we do not
    reveal that another organization exists)."""
    if organization_id is None:
        raise Http404
    accesses = portal_accesses_for_user(user)
    access = accesses.filter(organization_id=organization_id).first() if accesses is not None else None
    if access is None:
        raise Http404
    return access


def portal_required(*, edit: bool = False, admin: bool = False) -> Callable:
    """Portal views: a signed-in user with access to the organization chosen in the session
    (or their only one). Sets request.portal_access and request.organization. `edit`
    requires the editor or admin role, `admin` the admin role (403 otherwise)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            organization_id = request.session.get(PORTAL_SESSION_KEY)
            if organization_id is None:
                accesses = portal_accesses_for_user(request.user)
                first = portal_accesses_strongest_first(accesses).first() if accesses is not None else None
                if first is None:
                    raise PermissionDenied
                organization_id = first.organization_id
                request.session[PORTAL_SESSION_KEY] = organization_id
            try:
                access = portal_access_get_for_user(user=request.user, organization_id=organization_id)
            except Http404:
                request.session.pop(PORTAL_SESSION_KEY, None)
                raise PermissionDenied from None
            if admin and access.role != PortalRole.ADMIN:
                raise PermissionDenied
            if edit and not access.can_edit:
                raise PermissionDenied
            # Set for the view and the templates (the portal's current organization).
            request.portal_access = access  # type: ignore[attr-defined]
            request.organization = access.organization  # type: ignore[attr-defined]
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
