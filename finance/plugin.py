"""How finance plugs into the platform: its audited models (the journal itself is append-only
and refuses edits in the database), and later its pages, portal, API, tasks and demo."""

from clac.plugins import AppPlugin, HistoryModel
from clac.roles import StaffRole

FINANCE_STAFF = frozenset({StaffRole.ADMIN, StaffRole.FINANCE})

plugin = AppPlugin(
    app="finance",
    requires=("clac", "members"),
    history_models=(
        HistoryModel("fund", "finance.Fund", roles=FINANCE_STAFF),
        HistoryModel("account", "finance.Account", roles=FINANCE_STAFF),
        # Dues (helper "dues").
        *(
            HistoryModel(model.lower(), f"finance.{model}", roles=FINANCE_STAFF)
            for model in ("DuesPolicy", "DuesRule", "DuesInvoice", "DuesPayment")
        ),
    ),
)
