"""The demo's logins: one staff user per role and the showcase organizations' portal users,
all sharing DEMO_PASSWORD, and the table of them printed after seeding."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.utils import translation

from clac.models import User
from clac.roles import PortalRole, StaffRole
from members.demo.data.showcases import SHOWCASES, STAFF_USERS
from members.demo.identifiers import ascii_slug, organization_domain

# Shared by every demo login and printed by the command; demo databases only.
DEMO_PASSWORD = "demo-clac-2026"  # noqa: S105


@dataclass
class Actors:
    admin: User
    coordinator: User
    me_officer: User
    communications: User
    # showcase key → the portal user who works for it (its manager)
    portal: dict[str, User] = field(default_factory=dict)
    # role → the staff user holding it, in STAFF_USERS order
    staff: dict[str, User] = field(default_factory=dict)


def demo_usernames() -> list[str]:
    return [u for u, *_ in STAFF_USERS] + [s.username for s in SHOWCASES if s.username]


def create_users() -> Actors:
    # One hash for every demo user: hashing is deliberately slow (~0.3 s each) and these
    # accounts share a published password anyway.
    password = make_password(DEMO_PASSWORD)
    groups = {g.name: g for g in Group.objects.filter(name__in=[r for r, *_ in STAFF_USERS])}
    staff: dict[str, User] = {}
    for role, first, last, language in STAFF_USERS:
        user = User.objects.create(
            username=role, first_name=first, last_name=last, email=f"{role.replace('_', '.')}@clac.example",
            language=language, password=password, is_staff=role == StaffRole.ADMIN,
            is_superuser=role == StaffRole.ADMIN,
        )  # fmt: skip
        if role in groups:
            user.groups.add(groups[role])
        staff[role] = user
    portal: dict[str, User] = {}
    for s in SHOWCASES:
        if not s.username:
            continue
        domain = organization_domain(s.name, s.country)
        email = f"{ascii_slug(s.user_first_name.split()[0])}.{ascii_slug(s.user_last_name.split()[0])}@{domain}"
        portal[s.key] = User.objects.create(
            username=s.username, first_name=s.user_first_name, last_name=s.user_last_name, email=email,
            language=s.user_language, password=password,
        )  # fmt: skip
    return Actors(
        admin=staff[StaffRole.ADMIN], coordinator=staff[StaffRole.COORDINATOR], me_officer=staff[StaffRole.ME_OFFICER],
        communications=staff[StaffRole.COMMUNICATIONS], portal=portal, staff=staff,
    )  # fmt: skip


def login_lines(staff: list[str], portal: list[tuple[str, list[tuple[str, str]]]]) -> list[str]:
    """The logins table: staff usernames (= their role), then each portal username with the
    organizations it reaches, as (organization name, portal role)."""
    with translation.override("en"):  # the console summary is for developers
        staff_labels = {role.value: str(role.label) for role in StaffRole}
        portal_labels = {role.value: str(role.label) for role in PortalRole}
    lines = [f"Password for every demo user: {DEMO_PASSWORD}", "", "Staff (dashboard)"]
    lines += [f"  {username:<16} {staff_labels.get(username, username)}" for username in staff]
    lines += ["", "Portal (member organizations)"]
    for username, organizations in portal:
        for index, (name, role) in enumerate(organizations):
            lines.append(f"  {username if index == 0 else '':<16} {portal_labels.get(role, role):<13} {name}")
    return lines
