"""The dashboard's and the portal's navigation entries. Modules add an entry here with their
url name; an entry appears only once its url name reverses, so a module shows up in the
menu when its urls land."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from clac.roles import REGISTRY_EDITORS, StaffRole


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    # None: every staff member (or every portal user); otherwise the roles that see it.
    roles: frozenset[str] | None = None
    icon: str = ""
    # Django's admin site lets in only users flagged is_staff (superusers in practice).
    django_staff_only: bool = False


DASHBOARD_NAVIGATION: list[NavEntry] = [
    NavEntry(_("Home"), "dashboard:home", icon="home"),
    NavEntry(_("Registry"), "members:organization_list", icon="registry"),
    NavEntry(_("People"), "members:person_list", icon="people"),
    NavEntry(_("Yearly reports"), "members:report_queue", icon="reports"),
    NavEntry(_("Reviews"), "members:membership_review_queue", icon="reviews"),
    NavEntry(_("Change requests"), "members:proposal_queue", icon="reviews"),
    NavEntry(_("Import"), "members:import_list", REGISTRY_EDITORS, icon="import"),
    NavEntry(_("Duplicates"), "members:duplicate_list", REGISTRY_EDITORS, icon="duplicates"),
    NavEntry(_("Jobs"), "dashboard:job_list", icon="jobs"),
    NavEntry(_("Partners & API keys"), "dashboard:partner_list", frozenset({StaffRole.ADMIN}), icon="keys"),
    NavEntry(_("Admin"), "admin:index", frozenset({StaffRole.ADMIN}), icon="admin", django_staff_only=True),
]

PORTAL_NAVIGATION: list[NavEntry] = [
    NavEntry(_("Home"), "portal:home"),
    NavEntry(_("Profile"), "members_portal:profile"),
    NavEntry(_("People"), "members_portal:people"),
    NavEntry(_("Yearly reports"), "members_portal:report_list"),
    NavEntry(_("Change requests"), "members_portal:proposal_list"),
]
