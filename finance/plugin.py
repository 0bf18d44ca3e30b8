"""How finance plugs into the platform: its audited models (the journal itself is append-only
and refuses edits in the database), its pages, API, home panel, daily task and demo."""

from celery.schedules import crontab

from clac.plugins import AppPlugin, DashboardPanel, DemoSeeder, HistoryModel, UrlMount
from clac.roles import StaffRole
from finance import demo
from finance.api import books as api_books
from finance.api import donors as api_donors
from finance.api import indicators as api_indicators
from finance.views import books, budgets, donors, indicators

FINANCE_STAFF = frozenset({StaffRole.ADMIN, StaffRole.FINANCE})

VIEWS = (indicators, books, donors, budgets)
API = (api_indicators, api_books, api_donors)

plugin = AppPlugin(
    app="finance",
    requires=("clac", "members"),
    urls=(UrlMount("dashboard/finance/", "finance.urls"),),
    api_urls="finance.api.urls",
    dashboard_nav=tuple(entry for module in VIEWS for entry in module.NAV),
    dashboard_panels=(
        DashboardPanel(
            "finance", "finance/_home_panel.html", indicators.home_panel_context, roles=FINANCE_STAFF, order=130
        ),
    ),
    history_models=(
        HistoryModel("fund", "finance.Fund", roles=FINANCE_STAFF),
        HistoryModel("account", "finance.Account", roles=FINANCE_STAFF),
        *(entry for module in VIEWS for entry in getattr(module, "HISTORY", ())),
    ),
    demo=DemoSeeder(seed=demo.seed, is_empty=demo.is_empty, flush=demo.flush),
    beat_schedule={
        "finance-reporting-deadlines-remind": {
            "task": "finance.tasks.reporting_deadlines_remind",
            "schedule": crontab(hour=7, minute=15),
        },
    },
    access_catalogue={name: level for module in (*VIEWS, *API) for name, level in module.ACCESS.items()},
)
