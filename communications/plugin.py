"""How communications plugs into the platform: the partner pages, the partner key model the
API authenticates, the partners' audit history, the public contact form and the inquiries
pages, API, home panel and e-mail tasks, and the demo partner with its key."""

from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from clac.plugins import (
    ACCESS_PUBLIC,
    ACCESS_STAFF_ROLES,
    AppPlugin,
    DashboardPanel,
    DemoSeeder,
    HistoryModel,
    NavEntry,
    PortalPanel,
    RecordLink,
    UrlMount,
)
from clac.roles import StaffRole
from communications import demo, listeners
from communications.api import audiences as api_audiences
from communications.api import campaigns as api_campaigns
from communications.api import inquiries as api_inquiries
from communications.portal import announcements as portal_announcements
from communications.selectors.audiences import AUDIENCE_MANAGERS
from communications.selectors.inquiries import INQUIRY_HANDLERS, inquiries_home_context
from communications.views import campaigns as views_campaigns
from communications.views import inquiries as inquiry_views


def email_webhook_routes() -> dict[str, str]:
    """The email providers' tracking webhooks (public, with their own basic auth)."""
    from communications import email_webhook_urls

    return {f"email_webhooks:{pattern.name}": ACCESS_PUBLIC for pattern in email_webhook_urls.urlpatterns}


ADMINS = frozenset({StaffRole.ADMIN})
# Who manages audiences, partner contacts and the suppression list.
COMMUNICATIONS_MANAGERS = frozenset({StaffRole.ADMIN, StaffRole.COMMUNICATIONS})

plugin = AppPlugin(
    app="communications",
    requires=("clac", "members"),
    urls=(
        UrlMount("dashboard/", "communications.urls"),
        UrlMount("contact/", "communications.contact_urls"),
        UrlMount("portal/announcements/", "communications.portal.urls"),
        # Opens, clicks and the Twilio status callback (communications.public_urls); the email
        # providers' tracking webhooks (django-anymail, basic auth by ANYMAIL WEBHOOK_SECRET).
        UrlMount("c/", "communications.public_urls"),
        UrlMount("webhooks/email/", "communications.email_webhook_urls"),
        UrlMount("unsubscribe/", "communications.unsubscribe_urls"),
    ),
    dashboard_nav=(
        NavEntry(_("Partners & API keys"), "communications:partner_list", ADMINS, icon="keys", order=950),
        NavEntry(_("Audiences"), "communications:audience_list", COMMUNICATIONS_MANAGERS, icon="users", order=700),
        NavEntry(_("Partner contacts"), "communications:partner_contact_list", COMMUNICATIONS_MANAGERS, order=710),
        NavEntry(_("Suppression list"), "communications:suppression_list", COMMUNICATIONS_MANAGERS, order=720),
        *inquiry_views.NAV,
        *views_campaigns.NAV,
    ),
    dashboard_panels=(
        DashboardPanel(
            "inquiries",
            "communications/inquiries/_home_panel.html",
            lambda request: inquiries_home_context(user=request.user),
            roles=INQUIRY_HANDLERS,
            order=130,
        ),
    ),
    portal_nav=portal_announcements.NAV,
    portal_panels=(
        # The unread count is per user: the template's tag reads the user from the request.
        PortalPanel(
            "announcements",
            "communications/portal/_home_panel.html",
            lambda organization: {"organization": organization},
            order=105,
        ),
    ),
    history_models=(
        HistoryModel("externalpartner", "communications.ExternalPartner", roles=ADMINS),
        HistoryModel("audience", "communications.Audience", roles=COMMUNICATIONS_MANAGERS),
        HistoryModel("partnercontact", "communications.PartnerContact", roles=COMMUNICATIONS_MANAGERS),
        HistoryModel("suppression", "communications.Suppression", roles=COMMUNICATIONS_MANAGERS),
        *views_campaigns.HISTORY,
    ),
    record_links=(
        # On the registry's person page: why the person is (not) reached on each channel.
        RecordLink(
            "members.Person",
            _("Contact status"),
            "communications:person_contact_status",
            roles=AUDIENCE_MANAGERS,  # the contact status page's own roles
        ),
    ),
    partner_key_model="communications.ApiKey",
    api_urls="communications.api.urls",
    demo=DemoSeeder(seed=demo.seed, is_empty=demo.is_empty, flush=demo.flush),
    beat_schedule={
        # Acknowledgements and replies whose on-commit send was lost (broker down) go out later.
        "communications-inquiries-relay": {"task": "communications.tasks.inquiries_relay_unsent", "schedule": 300},
        # Retention: personal data of inquiries closed long ago is erased, at night.
        "communications-inquiries-retention": {
            "task": "communications.tasks.inquiries_anonymize_expired",
            "schedule": crontab(hour=4, minute=10),
        },
        "communications-outbox-minute": {"task": "communications.tasks.outbox_minute", "schedule": 60.0},
    },
    listeners={"members.person_erased": listeners.person_erased},
    access_catalogue={
        # Public, each with its own authentication: a signed token (opens, clicks), Twilio's
        # request signature, the ESP's basic auth (checked by anymail).
        "communications_public:open": ACCESS_PUBLIC,
        "communications_public:click": ACCESS_PUBLIC,
        "communications_public:twilio_status": ACCESS_PUBLIC,
        **email_webhook_routes(),
        "communications:partner_list": ACCESS_STAFF_ROLES,
        "communications:partner_create": ACCESS_STAFF_ROLES,
        "communications:partner_detail": ACCESS_STAFF_ROLES,
        "communications:api_key_create": ACCESS_STAFF_ROLES,
        "communications:api_key_revoke": ACCESS_STAFF_ROLES,
        **inquiry_views.ACCESS,
        **api_inquiries.ACCESS,
        "unsubscribe:confirm": ACCESS_PUBLIC,
        "communications:audience_list": ACCESS_STAFF_ROLES,
        "communications:audience_create": ACCESS_STAFF_ROLES,
        "communications:audience_detail": ACCESS_STAFF_ROLES,
        "communications:audience_edit": ACCESS_STAFF_ROLES,
        "communications:audience_people": ACCESS_STAFF_ROLES,
        "communications:person_contact_status": ACCESS_STAFF_ROLES,
        "communications:suppression_list": ACCESS_STAFF_ROLES,
        "communications:suppression_remove": ACCESS_STAFF_ROLES,
        "communications:partner_contact_list": ACCESS_STAFF_ROLES,
        "communications:partner_contact_create": ACCESS_STAFF_ROLES,
        "communications:partner_contact_edit": ACCESS_STAFF_ROLES,
        **api_audiences.ACCESS,
        **views_campaigns.ACCESS,
        **portal_announcements.ACCESS,
        **api_campaigns.ACCESS,
    },
)
