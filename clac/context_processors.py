"""Template context shared by every page: navigation and the user's doors (dashboard, portal).
Everything that costs a query is lazy, so pages that do not show it do not pay for it."""

from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise, SimpleLazyObject

from clac import plugins
from clac.access import portal_accesses_for_user, user_has_portal_access
from clac.plugins import NavEntry
from clac.roles import user_is_staff_member, user_staff_roles


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url: str
    active: bool
    icon: str = ""


def _reverse_or_none(url_name: str) -> str | None:
    try:
        return reverse(url_name)
    except NoReverseMatch:
        return None


def _active(path: str, url: str, home_url: str) -> bool:
    # A section is active on its own pages too (/dashboard/registry/… under Registry); the
    # home entry only on itself, since every page lives under it.
    if url == home_url:
        return path == url
    return path == url or path.startswith(url)


def nav_items_for(
    *, entries: list[NavEntry], path: str, roles: frozenset[str] | None, is_django_staff: bool = False
) -> list[NavItem]:
    """Entries the user may see whose url name reverses; the longest matching prefix is active."""
    visible: list[tuple[NavEntry, str]] = []
    for entry in entries:
        if entry.roles is not None and (roles is None or not (entry.roles & roles)):
            continue
        if entry.django_staff_only and not is_django_staff:
            continue
        url = _reverse_or_none(entry.url_name)
        if url is not None:
            visible.append((entry, url))
    if not visible:
        return []
    home_url = visible[0][1]
    matches = [url for _entry, url in visible if _active(path, url, home_url)]
    active_url = max(matches, key=len) if matches else None
    return [NavItem(entry.label, url, url == active_url, entry.icon) for entry, url in visible]


def navigation(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    path = request.path

    def dashboard_items() -> list[NavItem]:
        if user is None or not user_is_staff_member(user):
            return []
        return nav_items_for(
            entries=plugins.dashboard_navigation(),
            path=path,
            roles=user_staff_roles(user),
            is_django_staff=user.is_staff,
        )

    def portal_items() -> list[NavItem]:
        return nav_items_for(entries=plugins.portal_navigation(), path=path, roles=None)

    def portal_accesses() -> list:
        accesses = portal_accesses_for_user(user)
        return list(accesses.order_by("organization__name")) if accesses is not None else []

    def has_portal() -> bool:
        # On portal pages the decorator already loaded the access: no query needed.
        if getattr(request, "portal_access", None) is not None:
            return True
        return user is not None and user_has_portal_access(user)

    return {
        "nav_items": SimpleLazyObject(dashboard_items),
        "portal_nav_items": SimpleLazyObject(portal_items),
        "portal_accesses": SimpleLazyObject(portal_accesses),
        "portal_organization": getattr(request, "organization", None),
        "user_is_staff_member": SimpleLazyObject(lambda: user is not None and user_is_staff_member(user)),
        "user_has_portal_access": SimpleLazyObject(has_portal),
    }
