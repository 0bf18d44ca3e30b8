"""How finance plugs into the platform: its audited models (the journal itself is append-only
and refuses edits in the database), its pages, portal pages, API, home panel, daily task and
demo. Each area module (views, portal, api) gives its NAV, HISTORY and ACCESS."""

from celery.schedules import crontab

from clac.plugins import AppPlugin, DashboardPanel, DemoSeeder, HistoryModel, UrlMount
from clac.roles import StaffRole
from finance import demo
from finance.api import books as api_books
from finance.api import donors as api_donors
from finance.api import dues as api_dues
from finance.api import indicators as api_indicators
from finance.api import support as api_support
from finance.portal import dues as portal_dues
from finance.portal import support as portal_support
from finance.views import books, budgets, donors, indicators
from finance.views import dues as views_dues
from finance.views import support as views_support

FINANCE_STAFF = frozenset({StaffRole.ADMIN, StaffRole.FINANCE})

VIEWS = (indicators, books, donors, budgets, views_dues, views_support)
PORTAL = (portal_dues, portal_support)
API = (api_indicators, api_books, api_donors, api_dues, api_support)

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
    dashboard_panels=(
        DashboardPanel(
            "finance", "finance/_home_panel.html", indicators.home_panel_context, roles=FINANCE_STAFF, order=130
        ),
    ),
    history_models=(
        HistoryModel("fund", "finance.Fund", roles=FINANCE_STAFF),
        HistoryModel("account", "finance.Account", roles=FINANCE_STAFF),
        *(
            HistoryModel(model.lower(), f"finance.{model}", roles=FINANCE_STAFF)
            for model in ("DuesPolicy", "DuesRule", "DuesInvoice", "DuesPayment")
        ),
        *(entry for module in VIEWS for entry in getattr(module, "HISTORY", ())),
    ),
    demo=DemoSeeder(seed=demo.seed, is_empty=demo.is_empty, flush=demo.flush),
    beat_schedule={
        "finance-reporting-deadlines-remind": {
            "task": "finance.tasks.reporting_deadlines_remind",
            "schedule": crontab(hour=7, minute=15),
        },
        # Memberships with dues over a year past due go to the review queue, at night.
        "finance-dues-arrears-review": {
            "task": "finance.tasks.dues_arrears_review",
            "schedule": crontab(hour=2, minute=40),
        },
    },
    access_catalogue={name: level for module in (*VIEWS, *PORTAL, *API) for name, level in module.ACCESS.items()},
)
