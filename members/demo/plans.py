"""The plan of one demo organization, shared by the planners (organizations, membership,
people, reports) and the seeder."""

from __future__ import annotations

from dataclasses import dataclass, field

from members.models import Certification, Membership, MembershipEvent, Organization


@dataclass
class OrgPlan:
    """One organization with the facts later steps need (size, products, membership story)."""

    organization: Organization
    products: list[str]
    members: int
    showcase: str = ""
    domain: str = ""
    membership: Membership | None = None
    certification: Certification | None = None
    events: list[MembershipEvent] = field(default_factory=list)
    twin: OrgPlan | None = None  # the record this planted duplicate repeats
    twin_kind: str = ""  # "name" or "tax_id"
    children: list[OrgPlan] = field(default_factory=list)

    # The organization planners set these on every plan before later steps read them; the
    # properties say so to the type checker (and fail loudly if a step runs out of order).

    @property
    def founding_year(self) -> int:
        assert self.organization.founding_year is not None, "every planned organization has a founding year"
        return self.organization.founding_year

    @property
    def planned_membership(self) -> Membership:
        assert self.membership is not None, "plan_membership has not run"
        return self.membership

    @property
    def planned_certification(self) -> Certification:
        assert self.certification is not None, "plan_membership has not run"
        return self.certification
