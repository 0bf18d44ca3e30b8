"""The accounts and funds other finance services post to, by the codes the chart-of-accounts
migration (0003) creates. One place, so a renamed code is a one-line change."""

from django.utils.translation import gettext_noop

from finance.models import Account, Fund

BANK = "1100"
DUES_RECEIVABLE = "1200"
GRANTS_RECEIVABLE = "1210"
PAYABLE = "2100"
MEMBER_CREDIT = "2200"
SUPPORT_PAYABLE = "2300"
NET_ASSETS = "3000"
DUES_INCOME = "4100"
FI_ALLOCATION_INCOME = "4200"
DONOR_GRANT_INCOME = "4300"
SERVICES_INCOME = "4400"
OTHER_INCOME = "4900"
SUPPORT_EXPENSE = "5700"
DUES_WRITE_OFF_EXPENSE = "5800"

OPERATING_FUND = "operating"
STRENGTHENING_FUND = "strengthening"
SOLIDARITY_FUND = "solidarity"


def account(code: str) -> Account:
    return Account.objects.get(code=code)


def fund(code: str) -> Fund:
    return Fund.objects.get(code=code)


# The names migration 0003 stores, marked for translation: pages show them in the reader's
# language (Account.label, Fund.label); accounts staff add keep the name they were given.
CHART_NAMES = (
    gettext_noop("Operating fund"),
    gettext_noop("Strengthening fund"),
    gettext_noop("Solidarity fund"),
    gettext_noop("Bank and cash"),
    gettext_noop("Membership dues receivable"),
    gettext_noop("Grants receivable"),
    gettext_noop("Accounts payable"),
    gettext_noop("Member credit (dues paid in advance or overpaid)"),
    gettext_noop("Support awarded to members, not yet paid"),
    gettext_noop("Net assets"),
    gettext_noop("Membership dues"),
    gettext_noop("Fairtrade International allocation"),
    gettext_noop("Donor grants"),
    gettext_noop("Services"),
    gettext_noop("Other income"),
    gettext_noop("Financial sustainability"),
    gettext_noop("Communication"),
    gettext_noop("Product networks"),
    gettext_noop("Workers network"),
    gettext_noop("Country networks"),
    gettext_noop("Strategic plan and operations"),
    gettext_noop("Support funds to members"),
    gettext_noop("Membership dues waived or written off"),
)
