"""How finance plugs into the platform: its audited models (the journal itself is append-only
and refuses edits in the database), and later its pages, portal, API, tasks and demo."""

from clac.plugins import AppPlugin, DemoSeeder, HistoryModel, UrlMount
from clac.roles import StaffRole
from finance import demo
from finance.api import dues as api_dues
from finance.portal import dues as portal_dues
from finance.views import dues as views_dues

FINANCE_STAFF = frozenset({StaffRole.ADMIN, StaffRole.FINANCE})

plugin = AppPlugin(
    app="finance",
    requires=("clac", "members"),
    urls=(
        UrlMount("dashboard/finance/", "finance.urls"),
        UrlMount("portal/finance/", "finance.portal.urls"),
    ),
    api_urls="finance.api.urls",
    dashboard_nav=(*views_dues.NAV,),
    portal_nav=(*portal_dues.NAV,),
    beat_schedule={
        # Dues: memberships in arrears over a year go to the review queue (daily, at night).
        "finance-dues-arrears-review": {"task": "finance.tasks.dues_arrears_review", "schedule": 24 * 60 * 60},
    },
    history_models=(
        HistoryModel("fund", "finance.Fund", roles=FINANCE_STAFF),
        HistoryModel("account", "finance.Account", roles=FINANCE_STAFF),
        # Dues (helper "dues").
        *(
            HistoryModel(model.lower(), f"finance.{model}", roles=FINANCE_STAFF)
            for model in ("DuesPolicy", "DuesRule", "DuesInvoice", "DuesPayment")
        ),
    ),
    demo=DemoSeeder(seed=demo.seed, is_empty=demo.is_empty, flush=demo.flush),
    access_catalogue={**views_dues.ACCESS, **portal_dues.ACCESS, **api_dues.ACCESS},
)
