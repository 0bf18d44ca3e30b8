"""How an app plugs into the platform without the platform knowing it.

Each app may hold a module `<app>/plugin.py` that defines `plugin = AppPlugin(...)`. When
Django starts, the platform imports that module of every installed app, in INSTALLED_APPS
order, and keeps the declarations here. The platform's pages, URL map, API router, beat
schedule, history pages and `seed_demo` read them; the platform itself imports no app
(import-linter holds the direction, see pyproject.toml and docs/decisions/0006).

Adding an app is then: its folder (with `plugin.py`) and one line in INSTALLED_APPS.
"""

from __future__ import annotations

import datetime
import importlib
import importlib.util
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise

if TYPE_CHECKING:
    from django.db.models import Model, QuerySet
    from django.http import HttpRequest

# --- What an app can declare ----------------------------------------------------------------


@dataclass(frozen=True)
class NavEntry:
    """A menu entry. It appears only when its url name reverses and the user may see it."""

    label: str | Promise
    url_name: str
    # None: every staff member (or every portal user); otherwise the staff roles that see it.
    roles: frozenset[str] | None = None
    icon: str = ""
    # Django's admin site lets in only users flagged is_staff (superusers in practice).
    django_staff_only: bool = False
    # Lower comes first; entries of equal order keep the apps' INSTALLED_APPS order.
    order: int = 100


@dataclass(frozen=True)
class DashboardPanel:
    """A part of the dashboard home: `template` rendered with `context(request)`. The context
    function must cost a constant number of queries."""

    name: str
    template: str
    context: Callable[[HttpRequest], dict[str, Any]]
    roles: frozenset[str] | None = None
    order: int = 100


@dataclass(frozen=True)
class PortalPanel:
    """A part of a member organization's portal home: `template` rendered with
    `context(organization)`, in a constant number of queries."""

    name: str
    template: str
    context: Callable[[Any], dict[str, Any]]
    order: int = 100


@dataclass(frozen=True)
class RecordLink:
    """A link an app puts on another app's record page, e.g. communications' "Contact status"
    on the registry's person page, which must not import communications. The page's template
    asks for the links of its record with `{% record_links person as links %}` (clac_tags):
    each is `url_name` reversed with the record's pk, shown only to `roles`."""

    model: str  # "app_label.ModelName" of the record whose page shows the link
    label: str | Promise
    url_name: str
    # None: every staff member; otherwise the staff roles that may open the linked page.
    roles: frozenset[str] | None = None
    order: int = 100


@dataclass(frozen=True)
class HistoryModel:
    """A record whose audit history staff may read at /dashboard/history/<slug>/<pk>/. The
    model must carry simple_history's HistoricalRecords."""

    slug: str
    model: str  # "app_label.ModelName"
    # None: every staff role; otherwise only these (records whose own pages are restricted).
    roles: frozenset[str] | None = None


@dataclass(frozen=True)
class UrlMount:
    """An app's URL module mounted at a prefix of the site (e.g. "dashboard/registry/"). The
    module names its own namespace with `app_name`."""

    prefix: str
    module: str


@dataclass
class DemoContext:
    """What `seed_demo` hands every app's seeder. Each seeder draws from its own random stream
    (`random.Random(f"{seed}:{app}")`) so that adding an app changes no other app's data."""

    seed: int
    scale: str  # "small" (the real network's size) | "large" (ten times that, for benchmarks)
    # An explicit size instead of the scale's (tests use small numbers); None: the scale's.
    organizations: int | None
    today: datetime.date
    log: Callable[[str], None] | None
    # What a seeder leaves for the seeders after it (e.g. "admin": the demo administrator).
    shared: dict[str, Any] = field(default_factory=dict)
    # Where the demo is served, for the lines a seeder prints.
    base_url: str = "http://127.0.0.1:8000/"


class DemoError(Exception):
    """A seeder refuses the options it was given (the message says why, for the console)."""


DEMO_SCALES = ("small", "large")


@dataclass
class DemoReport:
    counts: dict[str, int] = field(default_factory=dict)
    # Lines printed after the summary: logins, keys, where to look.
    logins: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DemoSeeder:
    seed: Callable[[DemoContext], DemoReport]
    # (True, "") when the app holds no data yet; (False, "what was found") otherwise.
    is_empty: Callable[[], tuple[bool, str]]
    # Deletes the app's demo data; returns counts by model label.
    flush: Callable[[], dict[str, int]]


@dataclass(frozen=True)
class PortalGate:
    """How the portal finds a user's organizations. Provided by the one app that owns member
    organizations; the platform's portal shell and access decorator go through it.

    `accesses(user)` returns a queryset of access rows, each with `organization`,
    `organization_id`, `role` and `can_edit`."""

    accesses: Callable[[Any], QuerySet]


# Who may use a route, for the route-catalogue access tests (tests/clac/test_route_catalogue.py).
ACCESS_PUBLIC = "public"  # anyone, signed in or not
ACCESS_SIGNED_IN = "signed_in"  # any signed-in user
ACCESS_STAFF = "staff"  # every staff role
ACCESS_STAFF_ROLES = "staff_roles"  # some staff roles only (the view names them)
ACCESS_PORTAL = "portal"  # any user of the current organization
ACCESS_PORTAL_EDIT = "portal_edit"  # portal editors and admins
ACCESS_PORTAL_ADMIN = "portal_admin"  # portal admins
ACCESS_API = "api"  # API routes: each view names its permission classes
ACCESS_LEVELS = frozenset(
    {
        ACCESS_PUBLIC,
        ACCESS_SIGNED_IN,
        ACCESS_STAFF,
        ACCESS_STAFF_ROLES,
        ACCESS_PORTAL,
        ACCESS_PORTAL_EDIT,
        ACCESS_PORTAL_ADMIN,
        ACCESS_API,
    }
)


@dataclass(frozen=True)
class AppPlugin:
    """Everything an app adds to the platform. Only `app` is required."""

    app: str
    # Apps that must come before this one (their data and seeders); checked at start-up.
    requires: tuple[str, ...] = ()
    urls: tuple[UrlMount, ...] = ()
    # A module whose urlpatterns are mounted under /api/v1/ (no namespace of its own).
    api_urls: str | None = None
    dashboard_nav: tuple[NavEntry, ...] = ()
    portal_nav: tuple[NavEntry, ...] = ()
    dashboard_panels: tuple[DashboardPanel, ...] = ()
    portal_panels: tuple[PortalPanel, ...] = ()
    history_models: tuple[HistoryModel, ...] = ()
    # Links to the app's pages about another app's records (e.g. a person's contact status).
    record_links: tuple[RecordLink, ...] = ()
    demo: DemoSeeder | None = None
    # Celery beat entries, merged into CELERY_BEAT_SCHEDULE when the Celery app is configured.
    beat_schedule: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    # url name ("namespace:name") → one of ACCESS_LEVELS; every named route must be declared.
    access_catalogue: Mapping[str, str] = field(default_factory=dict)
    portal_gate: PortalGate | None = None
    # "app_label.ModelName" of the partner API key model (a subclass of clac.models.PartnerKeyBase).
    partner_key_model: str | None = None
    # Event name → handler(**payload), called by `emit` inside the emitter's transaction (so a
    # handler's writes commit or roll back with the change). Handlers are cheap and idempotent;
    # slow work is enqueued from them with delay_on_commit. E.g. the registry emits
    # "members.organization_changed" (organization_id=…) and networks keeps memberships in sync.
    listeners: Mapping[str, Callable[..., None]] = field(default_factory=dict)
    # Staff role → function(user) giving the ids of the organizations that role may change for
    # that user (a queryset of ids or a set); e.g. a coordinator changes only the member
    # organizations of the networks they coordinate. A role no app scopes is not limited.
    role_scopes: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)


# --- The registry ---------------------------------------------------------------------------

_PLUGINS: dict[str, AppPlugin] = {}


def register(plugin: AppPlugin) -> None:
    if plugin.app in _PLUGINS and _PLUGINS[plugin.app] is not plugin:
        raise ImproperlyConfigured(f"The app {plugin.app!r} registered two plugins.")
    _PLUGINS[plugin.app] = plugin


def discover(app_configs: list[Any]) -> None:
    """Import `<app>/plugin.py` of every installed app (INSTALLED_APPS order) and register its
    `plugin`. Called once from ClacConfig.ready(), when every app's models are loaded."""
    for config in app_configs:
        module_name = f"{config.name}.plugin"
        if importlib.util.find_spec(module_name) is None:
            continue
        module = importlib.import_module(module_name)
        plugin = getattr(module, "plugin", None)
        if not isinstance(plugin, AppPlugin):
            raise ImproperlyConfigured(f"{module_name} must define `plugin = AppPlugin(...)`.")
        if plugin.app != config.label:
            raise ImproperlyConfigured(f"{module_name} declares app {plugin.app!r}, not {config.label!r}.")
        register(plugin)
    _check()


def _check() -> None:
    seen: set[str] = set()
    for plugin in _PLUGINS.values():
        missing = [app for app in plugin.requires if app not in seen]
        if missing:
            raise ImproperlyConfigured(
                f"The app {plugin.app!r} requires {', '.join(missing)}: list them before it in INSTALLED_APPS."
            )
        seen.add(plugin.app)
        unknown = {name: level for name, level in plugin.access_catalogue.items() if level not in ACCESS_LEVELS}
        if unknown:
            raise ImproperlyConfigured(f"{plugin.app}: unknown access levels in access_catalogue: {unknown}.")
    for attribute in ("portal_gate", "partner_key_model"):
        providers = [p.app for p in _PLUGINS.values() if getattr(p, attribute)]
        if len(providers) > 1:
            raise ImproperlyConfigured(f"Only one app may provide {attribute}; found {', '.join(providers)}.")
    scoped_roles = [role for p in _PLUGINS.values() for role in p.role_scopes]
    if len(scoped_roles) != len(set(scoped_roles)):
        raise ImproperlyConfigured(f"A staff role is scoped by two apps: {sorted(scoped_roles)}.")


def plugins() -> list[AppPlugin]:
    """Registered plugins in dependency order (INSTALLED_APPS order, which `_check` verified
    lists every app after the apps it requires)."""
    return list(_PLUGINS.values())


def _ordered[T](entries: list[T]) -> list[T]:
    # sorted() is stable: equal orders keep the apps' order.
    return sorted(entries, key=lambda entry: entry.order)  # type: ignore[attr-defined]


def dashboard_navigation() -> list[NavEntry]:
    return _ordered([entry for p in plugins() for entry in p.dashboard_nav])


def portal_navigation() -> list[NavEntry]:
    return _ordered([entry for p in plugins() for entry in p.portal_nav])


def dashboard_panels() -> list[DashboardPanel]:
    return _ordered([panel for p in plugins() for panel in p.dashboard_panels])


def portal_panels() -> list[PortalPanel]:
    return _ordered([panel for p in plugins() for panel in p.portal_panels])


def record_links(model_label: str) -> list[RecordLink]:
    """The links the apps put on the page of a record of `model_label` ("members.Person"), in order."""
    label = model_label.lower()
    return _ordered([link for p in plugins() for link in p.record_links if link.model.lower() == label])


def history_models() -> dict[str, HistoryModel]:
    return {entry.slug: entry for p in plugins() for entry in p.history_models}


def history_slug_for(model: type[Model]) -> str | None:
    label = model._meta.label_lower
    for entry in history_models().values():
        if entry.model.lower() == label:
            return entry.slug
    return None


def url_mounts() -> list[UrlMount]:
    return [mount for p in plugins() for mount in p.urls]


def api_url_modules() -> list[str]:
    return [p.api_urls for p in plugins() if p.api_urls]


def beat_schedule() -> dict[str, dict[str, Any]]:
    schedule: dict[str, dict[str, Any]] = {}
    for plugin in plugins():
        for name, entry in plugin.beat_schedule.items():
            if name in schedule:
                raise ImproperlyConfigured(f"Beat entry {name!r} is declared twice.")
            schedule[name] = dict(entry)
    return schedule


def access_catalogue() -> dict[str, str]:
    catalogue: dict[str, str] = {}
    for plugin in plugins():
        for name, level in plugin.access_catalogue.items():
            if name in catalogue:
                raise ImproperlyConfigured(f"Route {name!r} is declared by two apps.")
            catalogue[name] = level
    return catalogue


def demo_seeders() -> list[tuple[str, DemoSeeder]]:
    return [(p.app, p.demo) for p in plugins() if p.demo is not None]


def emit(event: str, **payload: Any) -> None:
    """Tells every app listening to `event` (their plugins' `listeners`), in dependency order."""
    for plugin in plugins():
        handler = plugin.listeners.get(event)
        if handler is not None:
            handler(**payload)


def role_scope(role: str) -> Callable[[Any], Any] | None:
    """The function that limits a staff role to some organizations, if an app provides one."""
    return next((p.role_scopes[role] for p in plugins() if role in p.role_scopes), None)


def portal_gate() -> PortalGate | None:
    return next((p.portal_gate for p in plugins() if p.portal_gate is not None), None)


def partner_key_model_label() -> str | None:
    return next((p.partner_key_model for p in plugins() if p.partner_key_model), None)
