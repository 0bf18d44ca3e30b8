"""How communications plugs into the platform: the partner pages, the partner key model the
API authenticates, the partners' audit history, and the demo partner with its key."""

from django.utils.translation import gettext_lazy as _

from clac.plugins import ACCESS_PUBLIC, ACCESS_STAFF_ROLES, AppPlugin, DemoSeeder, HistoryModel, NavEntry, UrlMount
from clac.roles import StaffRole
from communications import demo, listeners
from communications.api import audiences as api_audiences


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
    ),
    history_models=(
        HistoryModel("externalpartner", "communications.ExternalPartner", roles=ADMINS),
        HistoryModel("audience", "communications.Audience", roles=COMMUNICATIONS_MANAGERS),
        HistoryModel("partnercontact", "communications.PartnerContact", roles=COMMUNICATIONS_MANAGERS),
        HistoryModel("suppression", "communications.Suppression", roles=COMMUNICATIONS_MANAGERS),
    ),
    partner_key_model="communications.ApiKey",
    api_urls="communications.api.urls",
    demo=DemoSeeder(seed=demo.seed, is_empty=demo.is_empty, flush=demo.flush),
    beat_schedule={
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
    },
)
