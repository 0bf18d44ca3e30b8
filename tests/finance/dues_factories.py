"""Shared set-up of the dues tests: a policy with rules, members, invoices."""

import datetime
from decimal import Decimal

from finance.models import DuesPolicy, DuesRule
from finance.services.dues import dues_invoice_issue
from members.models import Membership
from tests.factories import MembershipFactory, OrganizationFactory

YEAR = 2025
DUE = datetime.date(2025, 3, 31)


def policy_with_rules(year: int = YEAR, due: datetime.date = DUE) -> DuesPolicy:
    policy = DuesPolicy.objects.create(year=year, due_date=due)
    # Second-tier unions pay a flat 2,000; others 2 USD a member, between 300 and 1,500.
    DuesRule.objects.create(policy=policy, position=1, kind="spo2", amount=Decimal("2000"))
    DuesRule.objects.create(
        policy=policy,
        position=2,
        basis=DuesRule.Basis.MEMBERS,
        per_unit=Decimal("2"),
        minimum=Decimal("300"),
        maximum=Decimal("1500"),
    )
    return policy


def member(name: str = "", **kwargs) -> Membership:
    organization = OrganizationFactory(**({"name": name} if name else {}), **kwargs)
    return MembershipFactory(organization=organization)


def invoice(policy: DuesPolicy, organization, amount: str = "500.00"):
    return dues_invoice_issue(
        policy=policy,
        organization=organization,
        amount=Decimal(amount),
        basis_note="",
        issued_on=policy.due_date - datetime.timedelta(days=60),
        actor=None,
    )
