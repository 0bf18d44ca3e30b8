"""How finance plugs into the platform: its audited models (the journal itself is append-only
and refuses edits in the database), and later its pages, portal, API, tasks and demo."""

from clac.plugins import AppPlugin, DemoSeeder, HistoryModel, UrlMount
from clac.roles import StaffRole
from finance import demo
from finance.api import support as api_support
from finance.portal import support as portal_support
from finance.views import support as views_support

FINANCE_STAFF = frozenset({StaffRole.ADMIN, StaffRole.FINANCE})
VIEWS = (views_support,)
PORTAL = (portal_support,)
API = (api_support,)

plugin = AppPlugin(
    app="finance",
    requires=("clac", "members"),
    urls=(
        UrlMount("dashboard/finance/", "finance.urls"),
        UrlMount("portal/finance/", "finance.portal.urls"),
    ),
    api_urls="finance.api.urls",
    dashboard_nav=tuple(entry for module in VIEWS for entry in module.NAV),
    portal_nav=tuple(entry for module in PORTAL for entry in module.NAV),
    history_models=(
        HistoryModel("fund", "finance.Fund", roles=FINANCE_STAFF),
        HistoryModel("account", "finance.Account", roles=FINANCE_STAFF),
        *(entry for module in VIEWS for entry in getattr(module, "HISTORY", ())),
    ),
    demo=DemoSeeder(seed=demo.seed, is_empty=demo.is_empty, flush=demo.flush),
    access_catalogue={name: level for module in (*VIEWS, *PORTAL, *API) for name, level in module.ACCESS.items()},
)
