"""Demo books for 2024 to today: an opening balance, donors with agreements (some restricted,
in USD or EUR) whose tranches arrive and are posted, reporting deadlines (some submitted, some
coming due, one overdue), the Fairtrade International allocation each quarter, services
income, expenses per strategic line (operating and restricted funds), and a budget per year.
Donor money shrinks and own income grows, so the autonomy ratio rises; the dues demo adds
membership dues. The large scale posts thousands of entries."""

import datetime
import random
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum

from clac.plugins import DemoContext
from clac.strategic_lines import StrategicLine
from finance import chart
from finance.models import (
    Account,
    Budget,
    BudgetLine,
    Donor,
    Fund,
    GrantAgreement,
    JournalEntry,
    JournalLine,
    ReportingDeadline,
    Tranche,
)
from finance.services.budgets import budget_create, budget_line_set
from finance.services.donors import (
    agreement_create,
    deadline_create,
    deadline_submit,
    donor_create,
    tranche_plan,
    tranche_receive,
)
from finance.services.ledger import LineInput, journal_entry_post

FIRST_YEAR = 2024
DONORS = [
    ("Unión Europea — EuropeAid", Donor.Kind.COOPERATION, "BE", "EUR"),
    ("Fundación Interamericana", Donor.Kind.FOUNDATION, "US", "USD"),
    ("Agencia Suiza para el Desarrollo y la Cooperación", Donor.Kind.COOPERATION, "CH", "EUR"),
    ("Fairtrade Alemania", Donor.Kind.FAIRTRADE, "DE", "EUR"),
    ("Fundación Ford", Donor.Kind.FOUNDATION, "US", "USD"),
    ("Max Havelaar Francia", Donor.Kind.FAIRTRADE, "FR", "EUR"),
    ("Agencia Española de Cooperación", Donor.Kind.COOPERATION, "ES", "EUR"),
    ("Fundación Kellogg", Donor.Kind.FOUNDATION, "US", "USD"),
]
PROGRAMMES = [
    "Comercio Justo Resiliente",
    "Redes Fuertes",
    "Jóvenes Productores",
    "Clima y Café",
    "Mujeres Líderes",
    "Mercados Justos",
    "Trabajo Digno",
    "Cacao Sostenible",
]
LINE_ACCOUNTS = {
    StrategicLine.FINANCIAL_SUSTAINABILITY: "5100",
    StrategicLine.COMMUNICATION: "5200",
    StrategicLine.PRODUCT_NETWORKS: "5300",
    StrategicLine.WORKERS_NETWORK: "5400",
    StrategicLine.COUNTRY_NETWORKS: "5500",
    StrategicLine.STRATEGIC_PLAN: "5600",
}
# Yearly operating expenses per line (USD) at the small scale.
LINE_BUDGETS = {"5100": 75_000, "5200": 100_000, "5300": 180_000, "5400": 125_000, "5500": 150_000, "5600": 140_000}
EXPENSE_MEMOS = {
    "5100": ["Auditoría externa", "Software contable", "Asesoría financiera"],
    "5200": ["Diseño de materiales", "Campaña en redes", "Traducciones"],
    "5300": ["Taller de la red de café", "Viaje técnico de la red de banano", "Consultoría de mercados de cacao"],
    "5400": ["Encuentro de trabajadores", "Capacitación en derechos laborales"],
    "5500": ["Asamblea de la red nacional", "Apoyo a la coordinación nacional", "Pasajes y viáticos"],
    "5600": ["Salarios del equipo", "Alquiler de oficina", "Servicios básicos"],
}


def is_empty() -> tuple[bool, str]:
    count = Donor.objects.count()
    if count:
        return False, f"{count} donors"
    return True, ""


def flush_records() -> dict[str, int]:
    """Before the journal goes: what points at its entries."""
    deleted: dict[str, int] = {}
    for queryset in (
        ReportingDeadline.objects.all(),
        Tranche.objects.all(),
        BudgetLine.objects.all(),
        Budget.objects.all(),
    ):
        for label, count in queryset.delete()[1].items():
            deleted[label] = deleted.get(label, 0) + count
    return deleted


def flush_after_ledger() -> dict[str, int]:
    deleted: dict[str, int] = {}
    for queryset in (
        GrantAgreement.objects.all(),
        Donor.objects.all(),
        Fund.objects.filter(kind=Fund.Kind.RESTRICTED),
    ):
        for label, count in queryset.delete()[1].items():
            deleted[label] = deleted.get(label, 0) + count
    return deleted


def _money(value: float) -> Decimal:
    return Decimal(str(round(value, 2))).quantize(Decimal("0.01"))


def _day(rng: random.Random, year: int, month: int) -> datetime.date:
    return datetime.date(year, month, rng.randint(1, 28))


class _Poster:
    def __init__(self, actor) -> None:
        self.actor = actor
        self.accounts = {account.code: account for account in Account.objects.all()}
        self.operating = chart.fund(chart.OPERATING_FUND)
        self.count = 0

    def post(self, *, date, description, debit, credit, amount, fund=None, currency="USD", memo=""):
        fund = fund or self.operating
        journal_entry_post(
            date=date,
            description=description,
            currency=currency,
            lines=[
                LineInput(account=self.accounts[debit], fund=fund, amount=amount, memo=memo),
                LineInput(account=self.accounts[credit], fund=fund, amount=-amount, memo=memo),
            ],
            actor=self.actor,
            source=JournalEntry.Source.MANUAL,
        )
        self.count += 1


def seed(ctx: DemoContext, rng: random.Random) -> dict[str, int]:
    today = ctx.today
    actor = ctx.shared.get("admin")
    large = ctx.scale == "large"
    factor = 10 if large else 1
    poster = _Poster(actor)
    years = list(range(FIRST_YEAR, today.year + 1))
    months = [(y, m) for y in years for m in range(1, 13) if datetime.date(y, m, 1) <= today]

    # Opening balance: the unrestricted reserves CLAC carries into 2024.
    poster.post(
        date=datetime.date(FIRST_YEAR, 1, 1),
        description="Saldo de apertura",
        debit=chart.BANK,
        credit=chart.NET_ASSETS,
        amount=_money(650_000 * factor),
    )

    # Donors and agreements: large grants early, fewer later (the autonomy ratio rises).
    donors = [
        donor_create(name=name, kind=kind, country=country, actor=actor)
        for name, kind, country, _currency in DONORS[: (8 if large else 6)]
    ]
    restricted_funds: list[tuple[Fund, list[str]]] = []
    tranches_received = 0
    for index, donor in enumerate(donors):
        currency = DONORS[index][3]
        start_year = FIRST_YEAR + (index % 2)
        years_long = 2 + (index % 2)
        end = datetime.date(start_year + years_long - 1, 12, 31)
        restricted = index % 3 != 1
        lines = (
            [
                rng.choice(
                    [
                        StrategicLine.PRODUCT_NETWORKS,
                        StrategicLine.WORKERS_NETWORK,
                        StrategicLine.COUNTRY_NETWORKS,
                        StrategicLine.COMMUNICATION,
                    ]
                )
            ]
            if restricted
            else []
        )
        total = _money(rng.uniform(150_000, 420_000) * factor * (1.4 if index == 0 else 1))
        agreement = agreement_create(
            donor=donor,
            title=f"Programa {PROGRAMMES[index]}",
            reference=f"CLAC-{start_year}-{index + 1:03d}",
            currency=currency,
            amount=total,
            start_date=datetime.date(start_year, 1, 15),
            end_date=end,
            restricted=restricted,
            strategic_lines=[str(line) for line in lines],
            restrictions="Solo actividades de la línea estratégica acordada." if restricted else "",
            actor=actor,
        )
        if restricted:
            restricted_funds.append((agreement.fund, [str(line) for line in lines]))
        # Tranches: decreasing, one every half year.
        count = years_long * 2
        weights = [count - i for i in range(count)]
        for number, weight in enumerate(weights):
            expected = datetime.date(start_year + number // 2, 3 if number % 2 == 0 else 9, 15)
            amount = _money(float(total) * weight / sum(weights))
            tranche = tranche_plan(agreement=agreement, expected_date=expected, expected_amount=amount, actor=actor)
            received = expected + datetime.timedelta(days=rng.randint(0, 40))
            if received <= today:
                try:
                    tranche_receive(
                        tranche=tranche, received_date=received, amount=amount, currency=currency, actor=actor
                    )
                except ValidationError:  # no exchange rate that early in a fresh demo: received in USD
                    tranche_receive(tranche=tranche, received_date=received, amount=amount, currency="USD", actor=actor)
                tranches_received += 1
        # Reporting deadlines: one per year of the agreement, 60 days after each year's end,
        # plus a mid-term report; those already past are submitted, except one overdue.
        for year in range(start_year, start_year + years_long):
            for title, due in (
                (f"Informe intermedio {year}", datetime.date(year, 7, 31)),
                (f"Informe anual {year}", datetime.date(year + 1, 2, 28)),
            ):
                deadline = deadline_create(agreement=agreement, title=title, due_date=due, actor=actor)
                if due < today and not (index == 0 and due.year == today.year):
                    deadline_submit(
                        deadline=deadline, submitted_on=due - datetime.timedelta(days=rng.randint(0, 10)), actor=actor
                    )
        # One report coming due within the reminder window on the dashboard.
        if index == 1:
            deadline_create(
                agreement=agreement,
                title="Informe de avance técnico",
                due_date=today + datetime.timedelta(days=12),
                actor=actor,
            )

    # Fairtrade International allocation each quarter, growing year on year.
    for year in years:
        for quarter in range(4):
            date = datetime.date(year, 3 * quarter + 1, 20)
            if date > today:
                continue
            poster.post(
                date=date,
                description=f"Asignación de Fairtrade International T{quarter + 1} {year}",
                debit=chart.BANK,
                credit=chart.FI_ALLOCATION_INCOME,
                amount=_money((150_000 + 25_000 * (year - FIRST_YEAR)) * factor / 4 * rng.uniform(0.95, 1.05)),
            )

    # Services income (trainings, certification support, studies): monthly, growing.
    per_month = 2 * factor
    for year, month in months:
        for _n in range(per_month):
            poster.post(
                date=_day(rng, year, month),
                description="Servicios de capacitación y asesoría",
                debit=chart.BANK,
                credit=chart.SERVICES_INCOME,
                amount=_money(rng.uniform(2_500, 6_500) * (1 + 0.3 * (year - FIRST_YEAR))),
            )

    # Expenses per strategic line, several a month; restricted funds pay for their lines, up to
    # 85 % of what they received (a restricted fund never pays more than it holds).
    received_usd = {
        row["fund_id"]: row["total"]
        for row in JournalLine.objects.filter(fund__kind=Fund.Kind.RESTRICTED, account__code=chart.BANK)
        .values("fund_id")
        .annotate(total=Sum("amount_usd"))
    }
    room = {fund_id: Decimal(str(total)) * Decimal("0.85") for fund_id, total in received_usd.items()}
    per_line = 3 * factor
    for year, month in months:
        for account, yearly in LINE_BUDGETS.items():
            line = next(line for line, code in LINE_ACCOUNTS.items() if code == account)
            paying = [fund for fund, lines in restricted_funds if str(line) in lines]
            for _n in range(per_line):
                amount = _money(yearly * factor / 12 / per_line * rng.uniform(0.75, 1.2))
                fund = rng.choice(paying) if paying and rng.random() < 0.6 else None
                if fund is not None and room.get(fund.pk, Decimal(0)) < amount:
                    fund = None
                elif fund is not None:
                    room[fund.pk] -= amount
                poster.post(
                    date=_day(rng, year, month),
                    description=rng.choice(EXPENSE_MEMOS[account]),
                    debit=account,
                    credit=chart.BANK,
                    amount=amount,
                    fund=fund,
                )

    # Budgets: one per year, a little above the plan of the year before.
    budget_lines = 0
    accounts = {account.code: account for account in Account.objects.filter(code__in=LINE_BUDGETS)}
    for year in years:
        budget = budget_create(year=year, title=f"Presupuesto {year}", actor=actor)
        for code, yearly in LINE_BUDGETS.items():
            budget_line_set(
                budget=budget,
                account=accounts[code],
                amount_usd=_money(yearly * factor * (1 + 0.04 * (year - FIRST_YEAR)) * rng.uniform(0.95, 1.1)),
                actor=actor,
            )
            budget_lines += 1

    return {
        "finance donors": len(donors),
        "finance agreements": GrantAgreement.objects.count(),
        "finance tranches received": tranches_received,
        "finance journal entries (books)": poster.count + tranches_received,
        "finance budget lines": budget_lines,
    }
