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
