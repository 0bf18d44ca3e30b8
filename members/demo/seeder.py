"""The members demo seeder: plans the registry with one random stream of its own and writes it.

Everything random comes from one `random.Random` derived from the run's seed and handed to
every planner, so the same seed on the same day gives the same data (dates are relative to
`today`). Planners build unsaved model instances; this module writes them (`writing.insert`)
in dependency order, planning people and reports a chunk of organizations at a time."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.apps import apps
from django.db import models, transaction
from django.utils import timezone

from clac.models import User
from clac.plugins import DemoContext, DemoError, DemoReport
from clac.roles import PortalRole
from members.demo.data.countries import COUNTRY_PROFILES
from members.demo.data.showcases import COORDINATOR_PORTAL_KEY, FLAGSHIP_KEY, SHOWCASES
from members.demo.data.texts import CHANGE_PROPOSALS
from members.demo.identifiers import Registry
from members.demo.organizations import MIN_ORGANIZATIONS, SCALES, OrgPlan, plan_organizations
from members.demo.people import plan_people, plant_person_duplicates
from members.demo.random_tools import moment_on
from members.demo.reports import DEMO_SOURCE, exchange_rates, plan_reports, report_years
from members.demo.users import Actors, create_users, demo_usernames, login_lines
from members.demo.writing import BATCH_SIZE, insert, stamp
from members.models import (
    Affiliation,
    Certification,
    Consent,
    Country,
    ExchangeRate,
    Membership,
    MembershipEvent,
    Organization,
    OrganizationChangeProposal,
    Person,
    PersonErasure,
    PortalAccess,
    PremiumUse,
    Product,
    YearlyReport,
    YearlyReportEvent,
    YearlyReportProduct,
)

# People and reports are planned and written this many organizations at a time, so the large
# scale (10,000 organizations, ~700,000 rows with history) does not hold every row in memory.
CHUNK_SIZE = 1000


def is_empty() -> tuple[bool, str]:
    """Whether seeding may start; otherwise, what is already there."""
    organizations = Organization.objects.count()
    if organizations:
        return False, f"{organizations} organizations"
    taken = list(User.objects.filter(username__in=demo_usernames()).values_list("username", flat=True))
    if taken:
        return False, "demo users " + ", ".join(sorted(taken))
    return True, ""


@transaction.atomic
def flush() -> dict[str, int]:
    """Delete what the members seeder creates: every organization (with its memberships,
    certificates, people's affiliations, reports…), every person, the demo users, the demo
    exchange rates, and their history. Meant for demo and test databases only."""
    from django.test.utils import override_settings

    deleted: dict[str, int] = {}

    def delete(queryset: models.QuerySet) -> None:
        for label, count in queryset.delete()[1].items():  # per model, cascades included
            deleted[label] = deleted.get(label, 0) + count

    # simple_history would write a "deleted" history row per object; the history tables are
    # emptied below anyway, so it is switched off (also the slow part of a large flush).
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        for model in (
            YearlyReportEvent, PremiumUse, YearlyReportProduct, YearlyReport, OrganizationChangeProposal,
            PortalAccess, Consent, Affiliation, MembershipEvent, Membership, Certification,
        ):  # fmt: skip
            delete(model.objects.all())
        Organization.objects.filter(parent__isnull=False).update(parent=None)
        delete(Organization.objects.all())
        # Erasure records protect their person (the evidence must not vanish by accident); a
        # demo flush removes both on purpose.
        delete(PersonErasure.objects.all())
        delete(Person.objects.all())
        # History before users: deleting a user would first null history_user on every row.
        for audited in (
            Organization, Membership, Certification, Person, Consent, Affiliation, PortalAccess, YearlyReport,
            YearlyReportProduct, PremiumUse,
        ):  # fmt: skip
            apps.get_model(audited._meta.app_label, f"Historical{audited.__name__}").objects.all().delete()
        delete(User.objects.filter(username__in=demo_usernames()))
        delete(ExchangeRate.objects.filter(source=DEMO_SOURCE))
    return deleted


def _proposals(
    rng: random.Random, plans: list[OrgPlan], actors: Actors, registry: Registry, today: datetime.date
) -> list[OrganizationChangeProposal]:
    by_key = {p.showcase: p for p in plans if p.showcase}
    rows = []
    for key, field_name, value, reason in CHANGE_PROPOSALS:
        plan = by_key.get(key)
        if plan is None:
            continue
        org = plan.organization
        if value is None:
            value = registry.flo_id(rng, old=False)
        current = org.legal_name if field_name == OrganizationChangeProposal.Field.LEGAL_NAME else org.flo_id
        moment = moment_on(rng, today - datetime.timedelta(days=rng.randint(2, 25)))
        rows.append(
            stamp(
                OrganizationChangeProposal(organization=org, field=field_name, current_value=current,
                                           proposed_value=value, reason=reason, proposed_by=actors.portal[key]),
                moment,
            )
        )  # fmt: skip
    return rows


def _portal_accesses(
    plans: list[OrgPlan], actors: Actors, coordinator: User, today: datetime.date
) -> list[PortalAccess]:
    by_key = {p.showcase: p for p in plans if p.showcase}
    created = timezone.make_aware(datetime.datetime.combine(today - datetime.timedelta(days=90), datetime.time(10)))
    rows = []
    for s in SHOWCASES:
        if s.username and s.key in by_key:
            rows.append(PortalAccess(user=actors.portal[s.key], organization=by_key[s.key].organization,
                                     role=s.portal_role))  # fmt: skip
    flagship = by_key.get(FLAGSHIP_KEY)
    if flagship and flagship.children:
        rows.append(PortalAccess(user=actors.portal[FLAGSHIP_KEY], organization=flagship.children[0].organization,
                                 role=PortalRole.VIEWER))  # fmt: skip
    if COORDINATOR_PORTAL_KEY in by_key:
        rows.append(PortalAccess(user=coordinator, organization=by_key[COORDINATOR_PORTAL_KEY].organization,
                                 role=PortalRole.EDITOR))  # fmt: skip
    return [stamp(r, created) for r in rows]


def _eur_year_end(year: int) -> Decimal:
    """USD per EUR at the end of `year` (the last rate on or before it): what a report's
    premium in EUR is converted with."""
    rate = (
        ExchangeRate.objects.filter(currency="EUR", date__lte=datetime.date(year, 12, 31))
        .order_by("-date")
        .values_list("usd_per_unit", flat=True)
        .first()
    )
    if rate is None:  # exchange_rates() writes the quarter ends of every report year
        raise DemoError(f"No EUR exchange rate on or before the end of {year}.")
    return rate


@transaction.atomic
def seed(ctx: DemoContext) -> DemoReport:
    """Fill an empty registry with the demo data. One transaction: a failure leaves nothing
    behind. Leaves in `ctx.shared` the users and organizations later seeders attribute their
    rows to: "admin", "staff_users" (role → User), "users" (username → User), "organizations"
    (ids)."""
    count = ctx.organizations if ctx.organizations is not None else SCALES[ctx.scale]
    if count < MIN_ORGANIZATIONS:
        raise DemoError(f"--organizations must be at least {MIN_ORGANIZATIONS}.")
    log = ctx.log or (lambda message: None)
    today = ctx.today
    # The members stream of its own: another app's seeder drawing more or fewer numbers never
    # changes the registry a seed gives.
    rng = random.Random(f"{ctx.seed}:members")
    registry = Registry()
    countries = {c.code: c for c in Country.objects.all()}
    products = {p.code: p for p in Product.objects.all()}
    missing = set(COUNTRY_PROFILES) - set(countries)
    if missing or not products:
        raise RuntimeError("Reference data missing (countries/products): run `manage.py migrate` first.")

    actors = create_users()
    admin = actors.admin

    ExchangeRate.objects.bulk_create(exchange_rates(rng, today), batch_size=BATCH_SIZE, ignore_conflicts=True)
    eur_year_end = {year: _eur_year_end(year) for year in report_years(today)}

    log(f"Planning {count} organizations…")
    plans = plan_organizations(rng, count=count, countries=countries, today=today, registry=registry)
    # Unions first: their member cooperatives point at them.
    parents = [p.organization for p in plans if p.organization.parent is None]
    children = [(p.organization, parent) for p in plans if (parent := p.organization.parent) is not None]
    insert(parents, Organization, admin)
    for org, parent in children:
        org.parent_id = parent.pk
    insert([org for org, _parent in children], Organization, admin)
    through = Organization.products.through
    through.objects.bulk_create(
        [through(organization_id=p.organization.pk, product_id=products[code].pk)
         for p in plans for code in p.products],
        batch_size=BATCH_SIZE,
    )  # fmt: skip
    insert([p.planned_membership for p in plans], Membership, admin)
    for p in plans:
        for event in p.events:
            event.actor = admin
    insert([e for p in plans for e in p.events], MembershipEvent, admin, history=False)
    insert([p.planned_certification for p in plans], Certification, admin)
    log(f"  {len(plans)} organizations with memberships and certifications")

    representatives: dict[int, Person] = {}
    candidates: list[tuple[Person, Organization]] = []
    people = reports = 0
    for start in range(0, len(plans), CHUNK_SIZE):
        chunk = plans[start : start + CHUNK_SIZE]
        batch = plan_people(rng, chunk, actors=actors, today=today, registry=registry)
        insert(batch.people, Person, admin)
        insert(batch.consents, Consent, admin)
        insert(batch.affiliations, Affiliation, admin)
        representatives.update(batch.representatives)
        if not candidates:
            # People of the first chunk, except the portal users' own records.
            portal_emails = {u.email for u in actors.portal.values()}
            candidates = [
                (a.person, a.organization)
                for a in batch.affiliations
                if a.end_date is None and a.person.email not in portal_emails
            ]
        people += len(batch.people)
        report_batch = plan_reports(
            rng, chunk, actors=actors, today=today, products=products, eur_year_end=eur_year_end
        )
        insert(report_batch.reports, YearlyReport, admin)
        insert(report_batch.lines, YearlyReportProduct, admin)
        insert(report_batch.uses, PremiumUse, admin)
        insert(report_batch.events, YearlyReportEvent, admin, history=False)
        reports += len(report_batch.reports)
        log(f"  organizations {start + 1} to {start + len(chunk)}: people and yearly reports")

    planted = plant_person_duplicates(rng, plans, representatives, candidates, registry=registry, today=today)
    insert(planted.people, Person, admin)
    insert(planted.affiliations, Affiliation, admin)
    people += len(planted.people)

    insert(_portal_accesses(plans, actors, actors.coordinator, today), PortalAccess, admin)
    insert(_proposals(rng, plans, actors, registry, today), OrganizationChangeProposal, admin, history=False)

    ctx.shared["admin"] = admin
    ctx.shared["staff_users"] = dict(actors.staff)
    ctx.shared["users"] = {u.username: u for u in [*actors.staff.values(), *actors.portal.values()]}
    ctx.shared["organizations"] = [p.organization.pk for p in plans]
    counts = {
        "organizations": len(plans),
        "people": people,
        "affiliations": Affiliation.objects.count(),
        "yearly reports": reports,
        "membership events": MembershipEvent.objects.count(),
        "exchange rates": ExchangeRate.objects.filter(source=DEMO_SOURCE).count(),
    }
    return DemoReport(counts=counts, logins=login_lines(list(actors.staff), _portal_logins(plans, actors)))


def _portal_logins(plans: list[OrgPlan], actors: Actors) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each portal login with the organizations it reaches: (username, [(name, role)])."""
    by_key = {p.showcase: p.organization for p in plans if p.showcase}
    flagship = next((p for p in plans if p.showcase == FLAGSHIP_KEY), None)
    portal = []
    for s in SHOWCASES:
        if not s.username:
            continue
        orgs = [(by_key[s.key].name, s.portal_role)]
        if s.key == FLAGSHIP_KEY and flagship and flagship.children:
            orgs.append((flagship.children[0].organization.name, PortalRole.VIEWER))
        portal.append((s.username, orgs))
    portal.append((actors.coordinator.username, [(by_key[COORDINATOR_PORTAL_KEY].name, PortalRole.EDITOR)]))
    return portal
