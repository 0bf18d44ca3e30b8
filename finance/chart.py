"""The accounts and funds other finance services post to, by the codes the chart-of-accounts
migration (0003) creates. One place, so a renamed code is a one-line change."""

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
