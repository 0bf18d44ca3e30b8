"""Demo of the support funds: an open 2026 call of the strengthening fund for climate adaptation
(SPOs in coffee and cocoa, USD 150,000) with drafts and submitted applications — one from the demo
portal user's organization —, and the decided 2025 solidarity call with approved applications
(tranches paid and posted to the journal), rejected and withdrawn ones, scores by two reviewers and
one accepted final report. Everything goes through finance.services.support."""

import datetime
import random
from decimal import Decimal

from django.apps import apps
from django.db.models import Q
from django.test.utils import override_settings

from clac.plugins import DemoContext
from clac.roles import PortalRole, StaffRole
from finance import chart
from finance.models import Disbursement, FundingCall, SupportApplication
from finance.selectors.support import ineligibility_reasons
from finance.services import support as services
from members.models import Membership, Organization, PortalAccess

PLANS = [
    ("Renovación de cafetales con variedades resistentes a la roya y sombra diversificada.", "Plantones y sombra"),
    ("Sistemas de riego por goteo y cosecha de agua de lluvia para socios en zonas secas.", "Riego y reservorios"),
    ("Escuelas de campo sobre suelos, compost y manejo integrado de plagas.", "Escuelas de campo"),
    ("Secadores solares y mejora del beneficio húmedo para reducir pérdidas de calidad.", "Secadores solares"),
    ("Viveros comunitarios de cacao fino de aroma y clones tolerantes a la sequía.", "Viveros de cacao"),
]


def is_empty() -> tuple[bool, str]:
    count = FundingCall.objects.count()
    return (False, f"{count} funding calls") if count else (True, "")


def flush() -> dict[str, int]:
    deleted: dict[str, int] = {}
    with override_settings(SIMPLE_HISTORY_ENABLED=False):
        for queryset in (Disbursement.objects.all(), SupportApplication.objects.all(), FundingCall.objects.all()):
            for label, count in queryset.delete()[1].items():
                deleted[label] = deleted.get(label, 0) + count
        for name in ("FundingCall", "SupportApplication", "Disbursement", "FinalReport"):
            apps.get_model("finance", f"Historical{name}").objects.all().delete()
    return deleted


def _candidates(call: FundingCall, limit: int) -> list[Organization]:
    """Eligible organizations, the demo portal users' own first (so they see their application)."""
    portal_ids = list(
        PortalAccess.objects.filter(role__in=[PortalRole.ADMIN, PortalRole.EDITOR])
        .order_by("id")
        .values_list("organization_id", flat=True)
    )
    query = Organization.objects.filter(membership__status=Membership.Status.ACTIVE)
    if call.eligible_product_networks:
        query = query.filter(products__network__in=call.eligible_product_networks)
    if call.eligible_kinds:
        query = query.filter(kind__in=call.eligible_kinds)
    pool = list(query.filter(Q(pk__in=portal_ids)).distinct()) + list(
        query.exclude(pk__in=portal_ids).distinct().order_by("id")[: limit * 3]
    )
    chosen = [o for o in pool if not ineligibility_reasons(call=call, organization=o)]
    return chosen[:limit]


def _apply(
    rng: random.Random, call: FundingCall, organization: Organization, on: datetime.date, actor, submit: bool
) -> SupportApplication:
    plan, line = rng.choice(PLANS)
    amount = Decimal(rng.randrange(8, 30) * 1000)
    application = services.application_save(
        actor=actor,
        call=call,
        organization=organization,
        currency="USD",
        requested_amount=amount,
        plan=plan,
        budget_lines=[(line, amount * Decimal("0.7")), ("Capacitación y seguimiento técnico", amount * Decimal("0.3"))],
        today=on,
    )
    if submit:
        application = services.application_submit(actor=actor, application=application, today=on)
    return application


def _score(rng: random.Random, application: SupportApplication, reviewers) -> None:
    criteria = list(application.call.criteria.all())
    for reviewer in reviewers:
        services.scores_record(
            reviewer=reviewer,
            application=application,
            scores={c.pk: rng.randint(c.max_score // 2, c.max_score) for c in criteria},
        )


def seed(ctx: DemoContext, rng: random.Random) -> dict[str, int]:
    staff = ctx.shared.get("staff_users", {})
    finance_user = staff.get(StaffRole.FINANCE) or ctx.shared.get("admin")
    reviewers = [user for user in (finance_user, staff.get(StaffRole.ME_OFFICER)) if user is not None]
    criteria = [
        ("Impacto en la adaptación climática", Decimal("3"), 5),
        ("Viabilidad técnica y financiera", Decimal("2"), 5),
        ("Participación de mujeres y jóvenes", Decimal("1"), 5),
    ]
    today = ctx.today
    scale = 10 if ctx.scale == "large" else 1

    # The decided 2025 call of the solidarity fund.
    past = services.call_create(
        actor=finance_user,
        title="Fondo de Solidaridad 2025 — recuperación tras eventos climáticos",
        description="Apoyo a organizaciones afectadas por lluvias extremas y sequías en 2024.",
        fund=chart.fund(chart.SOLIDARITY_FUND),
        budget=Decimal(80000 * scale),
        opens_on=datetime.date(2025, 3, 1),
        closes_on=datetime.date(2025, 4, 30),
        eligible_membership_statuses=[Membership.Status.ACTIVE],
        criteria=criteria,
    )
    past = services.call_advance(actor=finance_user, call=past, to_status=FundingCall.Status.OPEN)
    past_orgs = _candidates(past, 6 * scale)
    applications = [
        _apply(rng, past, org, datetime.date(2025, 4, rng.randint(1, 28)), None, submit=True) for org in past_orgs
    ]
    past = services.call_advance(actor=finance_user, call=past, to_status=FundingCall.Status.CLOSED)
    counts = {"approved": 0, "rejected": 0, "withdrawn": 0, "tranches": 0}
    remaining = past.budget
    for index, application in enumerate(applications):
        if index % 6 == 5:
            services.application_withdraw(actor=None, application=application)
            counts["withdrawn"] += 1
            continue
        _score(rng, application, reviewers)
        if index % 3 == 2 or application.requested_usd > remaining:
            services.application_reject(
                actor=finance_user,
                application=application,
                reason="El plan no muestra cómo se mantendrán las inversiones después del apoyo.",
                notify=False,
            )
            counts["rejected"] += 1
            continue
        approved = services.application_approve(
            actor=finance_user, application=application, amount_usd=application.requested_usd, notify=False
        )
        remaining -= approved.requested_usd
        counts["approved"] += 1
        granted = approved.approved_usd or Decimal(0)
        half = (granted / 2).quantize(Decimal("0.01"))
        for amount, paid_on in (
            (half, datetime.date(2025, 6, 15)),
            (granted - half, datetime.date(2025, 10, 15)),
        ):
            tranche = services.tranche_plan(actor=finance_user, application=approved, amount=amount, planned_on=paid_on)
            if paid_on <= today:
                services.tranche_pay(actor=finance_user, tranche=tranche, paid_on=paid_on)
            counts["tranches"] += 1
        if counts["approved"] == 1:
            report = services.report_submit(
                actor=None,
                application=approved,
                text="Se instalaron los sistemas previstos; 140 familias socias participaron en las capacitaciones.",
            )
            services.report_review(actor=finance_user, report=report, accept=True)
    services.call_advance(actor=finance_user, call=past, to_status=FundingCall.Status.DECIDED)

    # The open 2026 call of the strengthening fund.
    current = services.call_create(
        actor=finance_user,
        title="Fondo de Fortalecimiento 2026 — adaptación climática",
        description=(
            "Inversiones de adaptación al cambio climático de organizaciones de pequeños productores de café y cacao."
        ),
        fund=chart.fund(chart.STRENGTHENING_FUND),
        budget=Decimal(150000 * scale),
        opens_on=today - datetime.timedelta(days=20),
        closes_on=today + datetime.timedelta(days=40),
        eligible_kinds=[Organization.Kind.SPO, Organization.Kind.SPO2],
        eligible_product_networks=["coffee", "cocoa"],
        eligible_membership_statuses=[Membership.Status.ACTIVE],
        criteria=criteria,
    )
    current = services.call_advance(actor=finance_user, call=current, to_status=FundingCall.Status.OPEN)
    open_count = 0
    for index, org in enumerate(_candidates(current, 8 * scale)):
        # The first (a demo portal user's organization) has submitted; then drafts and submissions.
        application = _apply(
            rng, current, org, today - datetime.timedelta(days=rng.randint(0, 15)), None, index % 3 != 1
        )
        if index % 4 == 2 and application.status == SupportApplication.Status.SUBMITTED:
            _score(rng, application, reviewers[:1])
        open_count += 1
    return {
        "funding calls": 2,
        "support applications": len(applications) + open_count,
        "approved applications": counts["approved"],
        "rejected applications": counts["rejected"],
        "withdrawn applications": counts["withdrawn"],
        "tranches": counts["tranches"],
    }


# The finance seeder's flush protocol: records before the journal is purged, nothing after.
flush_records = flush


def flush_after_ledger() -> dict[str, int]:
    return {}
