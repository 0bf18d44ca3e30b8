"""How the member registry plugs into the platform: its pages and API, menu entries, home
panels, audited models, the portal gate (which organizations a user works for), the demo
seeder and who may use each route."""

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from clac.models import User
from clac.plugins import (
    ACCESS_API,
    ACCESS_PORTAL,
    ACCESS_PORTAL_EDIT,
    ACCESS_STAFF,
    ACCESS_STAFF_ROLES,
    AppPlugin,
    DashboardPanel,
    DemoSeeder,
    HistoryModel,
    NavEntry,
    PortalGate,
    PortalPanel,
    UrlMount,
)
from clac.roles import RATE_KEEPERS, REGISTRY_EDITORS
from members import demo
from members.models import PortalAccess
from members.selectors.home import portal_home_context, registry_home_context


def portal_accesses(user: User) -> QuerySet[PortalAccess]:
    return PortalAccess.objects.filter(user=user).select_related("organization", "organization__country")


_STAFF_READ = (
    "organization_list",
    "organization_export",
    "organization_detail",
    "membership_review_queue",
    "certification_expiring",
    "proposal_queue",
    "person_list",
    "person_export",
    "person_detail",
    "report_queue",
    "report_detail",
    "organization_pick",
)
_EDITOR = (
    "organization_create",
    "organization_edit",
    "membership_transition",
    "certification_edit",
    "membership_review_close",
    "proposal_decide",
    "person_create",
    "person_edit",
    "affiliation_create",
    "consent_edit",
    "affiliation_end",
    "report_approve",
    "report_return",
    "report_comment",
    "import_list",
    "import_upload",
    "import_template",
    "import_template_xlsx",
    "duplicate_list",
    "duplicate_compare",
    "duplicate_merge",
    "duplicate_dismiss",
    "merge_record_detail",
    # Personal-data rights: export for who may change the person, erasure for administrators.
    "person_data_export",
    "person_data_export_json",
    "person_erase",
)
# Finance, M&E and admins (clac.roles.RATE_KEEPERS).
_RATE_KEEPER = (
    "exchange_rate_list",
    "exchange_rate_create",
    "exchange_rate_import",
)
_PORTAL_READ = (
    "profile",
    "proposal_list",
    "people",
    "report_list",
    "report_edit",
)
_PORTAL_EDIT = (
    "profile_edit",
    "proposal_create",
    "person_add",
    "person_edit",
    "affiliation_end",
    "report_submit",
)

plugin = AppPlugin(
    app="members",
    requires=("clac",),
    urls=(
        UrlMount("dashboard/registry/", "members.urls"),
        UrlMount("portal/", "members.portal.urls"),
    ),
    api_urls="members.api.urls",
    dashboard_nav=(
        NavEntry(_("Registry"), "members:organization_list", icon="registry", order=10),
        NavEntry(_("People"), "members:person_list", icon="people", order=11),
        NavEntry(_("Yearly reports"), "members:report_queue", icon="reports", order=12),
        NavEntry(_("Reviews"), "members:membership_review_queue", icon="reviews", order=13),
        NavEntry(_("Change requests"), "members:proposal_queue", icon="reviews", order=14),
        NavEntry(_("Import"), "members:import_list", REGISTRY_EDITORS, icon="import", order=15),
        NavEntry(_("Duplicates"), "members:duplicate_list", REGISTRY_EDITORS, icon="duplicates", order=16),
        NavEntry(_("Exchange rates"), "members:exchange_rate_list", RATE_KEEPERS, icon="reports", order=17),
    ),
    portal_nav=(
        NavEntry(_("Profile"), "members_portal:profile", order=10),
        NavEntry(_("People"), "members_portal:people", order=11),
        NavEntry(_("Yearly reports"), "members_portal:report_list", order=12),
        NavEntry(_("Change requests"), "members_portal:proposal_list", order=13),
    ),
    dashboard_panels=(
        DashboardPanel("registry", "members/home/_registry_panel.html", lambda request: registry_home_context()),
    ),
    portal_panels=(
        PortalPanel(
            "registry",
            "members/portal/_home_panel.html",
            lambda organization: portal_home_context(organization=organization),
        ),
    ),
    history_models=tuple(
        HistoryModel(model.lower(), f"members.{model}")
        for model in (
            "Organization",
            "Certification",
            "Membership",
            "Person",
            "Consent",
            "Affiliation",
            "PortalAccess",
            "YearlyReport",
            "YearlyReportProduct",
            "PremiumUse",
        )
    ),
    portal_gate=PortalGate(accesses=portal_accesses),
    demo=DemoSeeder(seed=demo.seed, is_empty=demo.is_empty, flush=demo.flush),
    access_catalogue={
        **{f"members:{name}": ACCESS_STAFF for name in _STAFF_READ},
        **{f"members:{name}": ACCESS_STAFF_ROLES for name in _EDITOR},
        **{f"members:{name}": ACCESS_STAFF_ROLES for name in _RATE_KEEPER},
        **{f"members_portal:{name}": ACCESS_PORTAL for name in _PORTAL_READ},
        **{f"members_portal:{name}": ACCESS_PORTAL_EDIT for name in _PORTAL_EDIT},
        # Each API view names its permission classes; tests/members/test_review_access.py walks them.
        **{
            f"api-v1:{name}": ACCESS_API
            for name in (
                "statistics",
                "directory-organization-contacts",
                "directory-organization-list",
                "directory-organization-detail",
                "organization-list",
                "organization-detail",
                "person-list",
                "person-detail",
                "affiliation-list",
                "affiliation-detail",
                "affiliation-end",
                "yearly-report-list",
                "yearly-report-detail",
                "yearly-report-approve",
                "yearly-report-return-report",
            )
        },
    },
)
