"""Builders for the support-funds tests: a call open today, an eligible organization, a
submitted application."""

import datetime
from decimal import Decimal

from django.utils import timezone

from finance import chart
from finance.models import FundingCall, SupportApplication
from finance.services import support as services
from members.models import Membership, Organization
from tests.factories import MembershipFactory, OrganizationFactory, product


def today() -> datetime.date:
    return timezone.localdate()


def open_call(*, budget: str = "10000.00", **eligibility) -> FundingCall:
    call = services.call_create(
        actor=None,
        title="Fondo de Fortalecimiento — adaptación climática",
        fund=chart.fund(chart.STRENGTHENING_FUND),
        budget=Decimal(budget),
        opens_on=today() - datetime.timedelta(days=10),
        closes_on=today() + datetime.timedelta(days=20),
        criteria=[("Impacto", Decimal("2"), 5), ("Viabilidad", Decimal("1"), 10)],
        **eligibility,
    )
    return services.call_advance(actor=None, call=call, to_status=FundingCall.Status.OPEN)


def member(
    *,
    name: str = "Cooperativa Elegible",
    kind: str = Organization.Kind.SPO,
    product_code: str = "coffee",
    status: str = Membership.Status.ACTIVE,
) -> Organization:
    organization = OrganizationFactory(name=name, kind=kind)
    organization.products.add(product(product_code))
    MembershipFactory(organization=organization, status=status)
    return organization


def draft(call: FundingCall, organization: Organization, amount: str = "4000.00") -> SupportApplication:
    return services.application_save(
        actor=None,
        call=call,
        organization=organization,
        currency="USD",
        requested_amount=Decimal(amount),
        plan="Viveros y riego por goteo para 120 familias.",
        budget_lines=[("Viveros", Decimal(amount) - Decimal("1000.00")), ("Capacitación", Decimal("1000.00"))],
    )


def submitted(call: FundingCall, organization: Organization, amount: str = "4000.00") -> SupportApplication:
    return services.application_submit(actor=None, application=draft(call, organization, amount))
