"""Planning three years of yearly reports per member (numbers, products, premium use, the
review log) and the exchange rates premium amounts are converted with."""

from __future__ import annotations

import datetime
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from clac.models import User
from members import rules
from members.demo.data.agronomy import AGRONOMY, WOMEN_SHARE
from members.demo.data.countries import COUNTRY_PROFILES
from members.demo.data.showcases import SHOWCASES
from members.demo.data.texts import APPROVE_NOTES, RETURN_NOTES
from members.demo.random_tools import clamp, moment_on, sorted_days, to_decimal
from members.demo.users import Actors
from members.demo.writing import stamp
from members.models import (
    ExchangeRate,
    Membership,
    Organization,
    PremiumUse,
    Product,
    YearlyReport,
    YearlyReportEvent,
    YearlyReportProduct,
)

if TYPE_CHECKING:
    from members.demo.plans import OrgPlan

CENT = Decimal("0.01")
# Marks the demo's exchange rates, so a flush deletes those and no others.
DEMO_SOURCE = "seed_demo"


@dataclass
class ReportBatch:
    reports: list[YearlyReport] = field(default_factory=list)
    lines: list[YearlyReportProduct] = field(default_factory=list)
    uses: list[PremiumUse] = field(default_factory=list)
    events: list[YearlyReportEvent] = field(default_factory=list)


def report_years(today: datetime.date) -> list[int]:
    """The last three complete years that can be reported on, oldest first."""
    first, current = rules.year_bounds(today)
    return [year for year in range(current - 3, current) if year >= first]


def _report_status(rng: random.Random, year: int, latest: int) -> str:
    s = YearlyReport.Status
    if year == latest:
        return rng.choices([s.DRAFT, s.SUBMITTED, s.RETURNED, s.APPROVED], [30, 30, 10, 30])[0]
    if year == latest - 1:
        return rng.choices([s.APPROVED, s.SUBMITTED, s.RETURNED, s.DRAFT], [90, 4, 3, 3])[0]
    return rng.choices([s.APPROVED, s.SUBMITTED, s.RETURNED, s.DRAFT], [96, 2, 1, 1])[0]


def _premium_split(rng: random.Random, total: Decimal, kind: str, main: str) -> list[tuple[str, Decimal]]:
    c = PremiumUse.Category
    if kind == Organization.Kind.HL:
        pool = {c.WORKERS: 40, c.COMMUNITY: 25, c.SERVICES_TO_MEMBERS: 20, c.ENVIRONMENT: 5, c.OTHER: 10}
    else:
        pool = {c.PRODUCTIVITY: 35, c.SERVICES_TO_MEMBERS: 20, c.PAYMENTS_TO_MEMBERS: 15, c.ORGANIZATION: 15,
                c.COMMUNITY: 8, c.ENVIRONMENT: 7}  # fmt: skip
    chosen = rng.sample(list(pool), rng.randint(2, min(5, len(pool))))
    if kind != Organization.Kind.HL and main == "coffee" and c.PRODUCTIVITY not in chosen:
        chosen[0] = c.PRODUCTIVITY  # the SPO coffee standard puts ≥ 25 % into productivity and quality
    weights = [pool[k] * rng.uniform(0.5, 1.5) for k in chosen]
    if c.PRODUCTIVITY in chosen and main == "coffee":
        weights[chosen.index(c.PRODUCTIVITY)] = sum(weights) * 0.5
    weight_sum = sum(weights)
    parts: list[tuple[str, Decimal]] = []
    remaining = total
    for k, w in zip(chosen[:-1], weights[:-1], strict=True):
        amount = (total * Decimal(w / weight_sum)).quantize(CENT)
        parts.append((k, amount))
        remaining -= amount
    parts.append((chosen[-1], max(remaining, Decimal(0))))
    return parts


def plan_reports(
    rng: random.Random,
    plans: Sequence[OrgPlan],
    *,
    actors: Actors,
    today: datetime.date,
    products: dict[str, Product],
    eur_year_end: dict[int, Decimal],
) -> ReportBatch:
    """Three years of reports per member: numbers that grow a little each year, consistent
    (women and youth within the total, Fairtrade sales within production), in the workflow
    states of DESIGN §4 with the event log each state implies."""
    batch = ReportBatch()
    years = report_years(today)
    latest = years[-1]
    for plan in plans:
        membership = plan.planned_membership
        if membership.joined_on is None or plan.twin is not None:
            continue
        # A member that left reports on the years before it left.
        left = membership.status in (Membership.Status.WITHDRAWN, Membership.Status.EXPELLED)
        left_on = membership.status_changed_on if left else None
        org = plan.organization
        is_hl = org.kind == Organization.Kind.HL
        growth = rng.uniform(-0.02, 0.06)
        women_low, women_high = WOMEN_SHARE.get(plan.products[0], (0.2, 0.4))
        if is_hl:
            women_low, women_high = {"flowers": (0.5, 0.65), "banana": (0.05, 0.15)}.get(plan.products[0], (0.25, 0.45))
        women_share = rng.uniform(women_low, women_high)
        youth_share = rng.uniform(0.2, 0.35) if is_hl else rng.uniform(0.05, 0.2)
        hectares_per_member = {p: rng.uniform(*AGRONOMY[p][:2]) for p in plan.products}
        yields = {p: rng.uniform(*AGRONOMY[p][2:4]) for p in plan.products}
        fairtrade_share = rng.uniform(0.2, 0.65)
        currency = "EUR" if rng.random() < (0.6 if "flowers" in plan.products else 0.15) else "USD"
        portal_user = actors.portal.get(plan.showcase) if plan.showcase else None
        language = COUNTRY_PROFILES[org.country_id].language
        for year in years:
            if membership.joined_on.year > year or (left_on is not None and left_on.year <= year):
                continue
            members = max(5, round(plan.members * (1 + growth) ** (year - latest)))
            status = _report_status(rng, year, latest)
            if plan.showcase and year == latest:
                status = next(s.latest_report for s in SHOWCASES if s.key == plan.showcase)
            elif plan.showcase:
                status = YearlyReport.Status.APPROVED
            women = min(round(members * women_share * rng.uniform(0.95, 1.05)), members)
            youth = min(round(members * youth_share * rng.uniform(0.9, 1.1)), members)
            report = YearlyReport(organization=org, year=year, status=status, members_total=members,
                                  members_women=women, members_youth=youth, premium_currency=currency)  # fmt: skip
            if is_hl:
                report.permanent_workers = round(members * rng.uniform(0.8, 0.95))
                farm_hectares = (
                    members * hectares_per_member[plan.products[0]] * (3 if plan.products[0] == "flowers" else 0.6)
                )
            else:
                report.permanent_workers = max(1, round(members * rng.uniform(0.005, 0.03)) + rng.randint(1, 8))
                farm_hectares = sum(members * h for h in hectares_per_member.values()) / len(plan.products)
            draft = status == YearlyReport.Status.DRAFT
            if not (draft and rng.random() < 0.3):
                report.hectares = to_decimal(farm_hectares * rng.uniform(0.97, 1.03))
            premium_usd = Decimal(0)
            lines = []
            for index, code in enumerate(plan.products):
                share = 1.0 if len(plan.products) == 1 else (0.7 if index == 0 else 0.3)
                produced = farm_hectares * share * yields[code] * rng.uniform(0.85, 1.1)
                fairtrade = produced * clamp(fairtrade_share * rng.uniform(0.85, 1.15), 0.05, 0.95)
                other = (produced - fairtrade) * rng.uniform(0.85, 0.98)
                line = YearlyReportProduct(report=report, product=products[code], volume_produced=to_decimal(produced),
                                           volume_sold_fairtrade=to_decimal(fairtrade),
                                           volume_sold_other=to_decimal(other))  # fmt: skip
                line.volume_sold_fairtrade = min(line.volume_sold_fairtrade, line.volume_produced)
                lines.append(line)
                premium_usd += to_decimal(fairtrade * AGRONOMY[code][4])
            if draft and rng.random() < 0.3:
                lines = lines[:0] if rng.random() < 0.5 else lines
            batch.lines += lines
            if not (draft and rng.random() < 0.4):
                rate = eur_year_end[year] if currency == "EUR" else Decimal(1)
                report.premium_amount = (premium_usd / rate).quantize(CENT)
                batch.uses += [
                    PremiumUse(report=report, category=k, amount=a)
                    for k, a in _premium_split(rng, report.premium_amount, org.kind, plan.products[0])
                ]
                if status == YearlyReport.Status.APPROVED:
                    report.premium_usd = (report.premium_amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)
            batch.events += _report_timeline(rng, report, year, today, actors, portal_user, language)
            batch.reports.append(report)
    _flag_reports(batch)
    return batch


def _flag_reports(batch: ReportBatch) -> None:
    """Store each report's unusual figures as the service would, and make sure the review
    queue shows at least one flagged report that is possible and waits for a decision: the
    first submitted one sells nearly its whole production on Fairtrade terms."""
    lines_by_report: dict[int, list[YearlyReportProduct]] = {}
    for line in batch.lines:
        lines_by_report.setdefault(id(line.report), []).append(line)
    showcase = next(
        (r for r in batch.reports if r.status == YearlyReport.Status.SUBMITTED and lines_by_report.get(id(r))), None
    )
    if showcase is not None:
        for line in lines_by_report[id(showcase)]:
            line.volume_sold_fairtrade = (line.volume_produced * Decimal("0.97")).quantize(CENT)
            line.volume_sold_other = (line.volume_produced * Decimal("0.02")).quantize(CENT)
    for report in batch.reports:
        lines = lines_by_report.get(id(report), [])
        premium_usd = report.premium_usd
        if premium_usd is None and report.premium_currency == "USD":
            premium_usd = report.premium_amount
        report.review_flags = rules.report_flags(
            members_total=report.members_total,
            hectares=report.hectares,
            premium_amount=report.premium_amount,
            premium_usd=premium_usd,
            lines=[
                (line.product.unit, line.volume_produced, line.volume_sold_fairtrade, line.volume_sold_other)
                for line in lines
            ],
        )


def _report_timeline(
    rng: random.Random,
    report: YearlyReport,
    year: int,
    today: datetime.date,
    actors: Actors,
    portal_user: User | None,
    language: str,
) -> list[YearlyReportEvent]:
    """The log rows the report's state implies, dated inside the following year (and before
    today). Without a portal user, the network coordinator enters the paper form for them."""
    s = YearlyReport.Status
    a = YearlyReportEvent.Action
    author = portal_user or actors.coordinator
    reviewer = actors.me_officer if rng.random() < 0.7 else actors.admin
    steps: list[tuple[str, User, str]] = [
        (a.CREATED, author, "" if portal_user else "Ingresado por CLAC a partir del formulario enviado por correo.")
    ]
    if report.status != s.DRAFT:
        steps.append((a.SUBMITTED, author, ""))
    returned_note = rng.choice(RETURN_NOTES.get(language, RETURN_NOTES["es"]))
    if report.status == s.RETURNED:
        steps.append((a.RETURNED, reviewer, returned_note))
    elif report.status == s.APPROVED:
        if rng.random() < 0.15:
            steps += [(a.RETURNED, reviewer, returned_note), (a.SUBMITTED, author, "")]
        steps.append((a.APPROVED, reviewer, rng.choice(APPROVE_NOTES) if language == "es" else ""))
    start = datetime.date(year + 1, 1, 10)
    end = min(today, datetime.date(year + 1, 11, 30))
    if (end - start).days < len(steps) * 3:
        start = min(start, today - datetime.timedelta(days=len(steps) * 3))
        end = today
    days = sorted_days(rng, start, end, len(steps))
    events = []
    for (action, actor, note), day in zip(steps, days, strict=True):
        moment = moment_on(rng, day)
        events.append(stamp(YearlyReportEvent(report=report, action=action, actor=actor, note=note), moment))
        if action == a.SUBMITTED:
            report.submitted_at, report.submitted_by = moment, actor
        elif action in (a.APPROVED, a.RETURNED):
            report.reviewed_at, report.reviewed_by = moment, actor
    stamp(report, events[0].created_at, events[-1].created_at)
    return events


def exchange_rates(rng: random.Random, today: datetime.date) -> list[ExchangeRate]:
    """Quarter-end USD values for EUR and the local currencies members are paid in."""
    bases = {"EUR": (1.09, 0.012, 1.07, 1.11), "PEN": (0.266, 0.004, 0.255, 0.28), "COP": (0.000248, 0.000008,
             0.000235, 0.00027), "MXN": (0.055, 0.002, 0.05, 0.06), "BRL": (0.19, 0.008, 0.17, 0.21)}  # fmt: skip
    rows = []
    for year in [*report_years(today), today.year]:
        for month, day in ((3, 31), (6, 30), (9, 30), (12, 31)):
            date = datetime.date(year, month, day)
            if date > today:
                continue
            for currency, (base, spread, low, high) in bases.items():
                value = clamp(rng.gauss(base, spread), low, high)
                rows.append(
                    ExchangeRate(currency=currency, date=date, usd_per_unit=to_decimal(value, "0.00000001"),
                                 source=DEMO_SOURCE)
                )  # fmt: skip
    return rows
