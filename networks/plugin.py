"""How networks and governance plug into the platform: pages, portal pages and API of each
area, menu entries, audited models, membership sync on registry changes, the coordinator's
scope, the nightly reconciliation and the demo."""

from celery.schedules import crontab

from clac.plugins import AppPlugin, DashboardPanel, DemoSeeder, HistoryModel, PortalPanel, UrlMount
from clac.roles import StaffRole
from members.models import Organization
from networks import demo, tasks
from networks.api import assemblies as api_assemblies
from networks.api import governance as api_governance
from networks.api import meetings as api_meetings
from networks.api import networks as api_networks
from networks.api import reviews as api_reviews
from networks.api import strategies as api_strategies
from networks.portal import assemblies as portal_assemblies
from networks.portal import consultations as portal_consultations
from networks.portal import governance as portal_governance
from networks.portal import meetings as portal_meetings
from networks.portal import needs as portal_needs
from networks.portal import networks as portal_networks
from networks.portal import sustainability as portal_sustainability
from networks.selectors.governance import governance_home_context
from networks.selectors.networks import coordinator_organization_ids, organization_networks_context
from networks.services.networks import network_memberships_sync
from networks.views import assemblies, governance, meetings, networks
from networks.views import reviews as views_reviews
from networks.views import strategies as views_strategies

VIEWS = (networks, governance, meetings, assemblies, views_reviews, views_strategies)
PORTAL = (
    portal_networks,
    portal_governance,
    portal_meetings,
    portal_assemblies,
    portal_consultations,
    portal_needs,
    portal_sustainability,
)
API = (api_networks, api_governance, api_meetings, api_assemblies, api_reviews, api_strategies)


def _organization_changed(*, organization_id: int, **payload: object) -> None:
    """The registry changed an organization: its memberships follow, in the same transaction."""
    organization = Organization.objects.filter(pk=organization_id).first()
    if organization is not None:
        network_memberships_sync(organization=organization)


plugin = AppPlugin(
    app="networks",
    requires=("clac", "members"),
    urls=(
        UrlMount("dashboard/networks/", "networks.urls"),
        UrlMount("portal/networks/", "networks.portal.urls"),
    ),
    api_urls="networks.api.urls",
    dashboard_nav=tuple(entry for module in VIEWS for entry in module.NAV),
    portal_nav=tuple(entry for module in PORTAL for entry in module.NAV),
    dashboard_panels=(
        DashboardPanel(
            "governance", "networks/governance/_home_panel.html", lambda request: governance_home_context(), order=120
        ),
    ),
    portal_panels=(
        PortalPanel(
            "networks",
            "networks/networks/_portal_home_panel.html",
            lambda organization: organization_networks_context(organization=organization),
            # After the registry's panel (the organization's own profile comes first).
            order=110,
        ),
    ),
    history_models=tuple(
        HistoryModel(model.lower(), f"networks.{model}")
        for model in (
            "Network",
            "NetworkMembership",
            "Body",
            "Mandate",
            "Seat",
            "AssemblySession",
            "Delegate",
            "Motion",
        )
    )
    + tuple(entry for module in VIEWS for entry in getattr(module, "HISTORY", ())),
    demo=DemoSeeder(seed=demo.seed, is_empty=demo.is_empty, flush=demo.flush),
    beat_schedule={
        "networks-memberships-reconcile": {
            "task": "networks.tasks.memberships_reconcile",
            # At night (CELERY_TIMEZONE), when nobody edits the registry.
            "schedule": crontab(hour=3, minute=30),
        },
        "networks-consultation-reminders": {
            "task": "networks.tasks.consultation_reminders_send",
            # Mornings in the project's time zone, when the reminders are read.
            "schedule": crontab(hour=7, minute=15),
        },
    },
    listeners={
        "members.organization_changed": _organization_changed,
        "members.registry_imported": tasks.on_registry_imported,
    },
    role_scopes={StaffRole.COORDINATOR: coordinator_organization_ids},
    access_catalogue={name: level for module in (*VIEWS, *PORTAL, *API) for name, level in module.ACCESS.items()},
)
