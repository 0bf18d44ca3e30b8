"""CLAC's starting chart of accounts and its three own funds (restricted donor funds are added
with each agreement). Codes are what services look up (finance.chart); names are translated on
the pages, and staff may add accounts."""

from django.db import migrations

FUNDS = [
    ("operating", "Operating fund", "operating"),
    ("strengthening", "Strengthening fund", "strengthening"),
    ("solidarity", "Solidarity fund", "solidarity"),
]

# code, name, type, income category, strategic line
ACCOUNTS = [
    ("1100", "Bank and cash", "asset", "", ""),
    ("1200", "Membership dues receivable", "asset", "", ""),
    ("1210", "Grants receivable", "asset", "", ""),
    ("2100", "Accounts payable", "liability", "", ""),
    ("2200", "Member credit (dues paid in advance or overpaid)", "liability", "", ""),
    ("2300", "Support awarded to members, not yet paid", "liability", "", ""),
    ("3000", "Net assets", "net_assets", "", ""),
    ("4100", "Membership dues", "income", "membership_dues", ""),
    ("4200", "Fairtrade International allocation", "income", "fi_allocation", ""),
    ("4300", "Donor grants", "income", "donor_grants", ""),
    ("4400", "Services", "income", "services", ""),
    ("4900", "Other income", "income", "other", ""),
    ("5100", "Financial sustainability", "expense", "", "finance"),
    ("5200", "Communication", "expense", "", "communication"),
    ("5300", "Product networks", "expense", "", "product_networks"),
    ("5400", "Workers network", "expense", "", "workers_network"),
    ("5500", "Country networks", "expense", "", "country_networks"),
    ("5600", "Strategic plan and operations", "expense", "", "strategic_plan"),
    ("5700", "Support funds to members", "expense", "", "finance"),
    ("5800", "Membership dues waived or written off", "expense", "", "finance"),
]


def load(apps, schema_editor):
    Fund = apps.get_model("finance", "Fund")
    Account = apps.get_model("finance", "Account")
    for code, name, kind in FUNDS:
        Fund.objects.get_or_create(code=code, defaults={"name": name, "kind": kind})
    for code, name, type_, category, line in ACCOUNTS:
        Account.objects.get_or_create(
            code=code, defaults={"name": name, "type": type_, "income_category": category, "strategic_line": line}
        )


def unload(apps, schema_editor):
    apps.get_model("finance", "Account").objects.filter(code__in=[row[0] for row in ACCOUNTS]).delete()
    apps.get_model("finance", "Fund").objects.filter(code__in=[row[0] for row in FUNDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("finance", "0002_ledger_guards")]

    operations = [migrations.RunPython(load, unload)]
