"""Every campaign page and endpoint walked with real records: administrators and communications
staff manage, viewers read (read-only, a decision: the board follows campaigns), other staff
roles, portal users, partner keys and anonymous visitors are refused; bad input changes nothing;
lists cost a constant number of queries."""

import datetime

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clac.plugins import ACCESS_API, ACCESS_STAFF_ROLES
from clac.roles import StaffRole
from communications.api import campaigns as api_campaigns
from communications.models import Campaign, CampaignContent, Message
from communications.services import api_key_create
from communications.views import campaigns as views_campaigns
from tests.communications.campaign_factories import AudienceFactory, CampaignFactory, add_content, messages
from tests.factories import ExternalPartnerFactory

pytestmark = pytest.mark.django_db

MANAGERS = (StaffRole.ADMIN, StaffRole.COMMUNICATIONS)
READERS = (*MANAGERS, StaffRole.VIEWER)
REFUSED = (StaffRole.FINANCE, StaffRole.COORDINATOR, StaffRole.ME_OFFICER)


@pytest.fixture
def draft(db):
    campaign = CampaignFactory(name="Convocatoria Asamblea")
    add_content(campaign, "es", "Texto de la **convocatoria**", "Asamblea General")
    return campaign


def fingerprint() -> dict[str, int]:
    """Row counts of every communications table, history included: unchanged = nothing written."""
    tables = sorted(m._meta.db_table for m in apps.get_models() if m._meta.app_label == "communications")
    counts = ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(t)})" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


READ_PAGES = {
    "communications:campaign_list": lambda c: {},
    "communications:campaign_detail": lambda c: {"pk": c.pk},
    "communications:campaign_statistics": lambda c: {"pk": c.pk},
}
FORM_PAGES = {
    "communications:campaign_create": lambda c: {},
    "communications:campaign_edit": lambda c: {"pk": c.pk},
    "communications:campaign_contents": lambda c: {"pk": c.pk},
    "communications:campaign_schedule": lambda c: {"pk": c.pk},
    "communications:campaign_cancel": lambda c: {"pk": c.pk},
    "communications:campaign_test_send": lambda c: {"pk": c.pk},
}
POST_ONLY = {"communications:campaign_unschedule": lambda c: {"pk": c.pk}}
API_ROUTES = {"campaign-list": lambda c: {}, "campaign-detail": lambda c: {"pk": c.pk}}


def test_every_route_of_the_area_is_walked_here():
    declared = {**views_campaigns.ACCESS, **api_campaigns.ACCESS}
    walked = {*READ_PAGES, *FORM_PAGES, *POST_ONLY, *(f"api-v1:{name}" for name in API_ROUTES)}
    assert set(declared) == walked
    assert {n for n, level in declared.items() if level == ACCESS_STAFF_ROLES} == {*READ_PAGES, *FORM_PAGES, *POST_ONLY}
    assert {n for n, level in declared.items() if level == ACCESS_API} == {f"api-v1:{n}" for n in API_ROUTES}


@pytest.mark.parametrize("name", sorted(READ_PAGES))
def test_readers_open_the_pages_and_other_roles_are_refused(client, staff_users, portal_user, draft, name):
    url = reverse(name, kwargs=READ_PAGES[name](draft))
    for role in READERS:
        client.force_login(staff_users[role])
        assert client.get(url).status_code == 200, role
    for user in [*(staff_users[r] for r in REFUSED), portal_user]:
        client.force_login(user)
        assert client.get(url).status_code == 403, user.username
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("name", sorted(FORM_PAGES))
def test_forms_open_for_managers_only(client, staff_users, portal_user, draft, name):
    url = reverse(name, kwargs=FORM_PAGES[name](draft))
    for role in MANAGERS:
        client.force_login(staff_users[role])
        assert client.get(url).status_code == 200, role
    for user in [staff_users[StaffRole.VIEWER], *(staff_users[r] for r in REFUSED), portal_user]:
        client.force_login(user)
        assert client.get(url).status_code == 403, user.username


@pytest.mark.parametrize("name", sorted({**FORM_PAGES, **POST_ONLY}))
def test_viewers_and_other_roles_cannot_post_and_nothing_changes(client, staff_users, portal_user, draft, name):
    url = reverse(name, kwargs={**FORM_PAGES, **POST_ONLY}[name](draft))
    before = fingerprint()
    data = {"name": "x", "purpose": "communication", "channel": "email", "audience": draft.audience_id}
    data.update({"es-subject": "x", "es-body_markdown": "x", "action": "send_now", "language": "es"})
    for user in [staff_users[StaffRole.VIEWER], *(staff_users[r] for r in REFUSED), portal_user]:
        client.force_login(user)
        assert client.post(url, data).status_code == 403, user.username
    client.logout()
    assert client.post(url, data).status_code == 302
    assert fingerprint() == before


def test_unknown_campaign_is_a_404_for_a_reader(client, staff_users):
    client.force_login(staff_users[StaffRole.VIEWER])
    assert client.get(reverse("communications:campaign_detail", kwargs={"pk": 987654})).status_code == 404


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("communications:campaign_create", {"name": "", "purpose": "x", "channel": "fax", "audience": "999999"}),
        ("communications:campaign_edit", {"name": "x", "purpose": "communication", "channel": "email"}),
        ("communications:campaign_contents", {"es-subject": "", "es-body_markdown": "Sin asunto", "action": "save"}),
        ("communications:campaign_schedule", {"scheduled_at": "2020-01-01T10:00", "action": "schedule"}),
        ("communications:campaign_schedule", {"scheduled_at": "mañana", "action": "schedule"}),
        ("communications:campaign_test_send", {"language": "fr"}),
    ],
)
def test_bad_input_shows_errors_in_the_form_and_changes_nothing(client, staff_users, draft, name, data):
    before = fingerprint()
    client.force_login(staff_users[StaffRole.COMMUNICATIONS])
    response = client.post(reverse(name, kwargs=FORM_PAGES[name](draft)), data)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert fingerprint() == before


def test_a_scheduled_campaign_cannot_be_edited_through_the_pages(client, staff_users, draft):
    Campaign.objects.filter(pk=draft.pk).update(status=Campaign.Status.SCHEDULED, scheduled_at=timezone.now())
    client.force_login(staff_users[StaffRole.COMMUNICATIONS])
    before = fingerprint()
    for name in ("communications:campaign_edit", "communications:campaign_contents"):
        response = client.post(reverse(name, kwargs={"pk": draft.pk}), {"name": "x", "es-body_markdown": "x"})
        assert response.status_code == 302
    assert fingerprint() == before


# --- The pages at work -----------------------------------------------------------------------


def test_staff_create_write_preview_and_schedule_a_campaign_through_the_pages(client, staff_users):
    audience = AudienceFactory(name="Gerentes")
    client.force_login(staff_users[StaffRole.COMMUNICATIONS])
    response = client.post(
        reverse("communications:campaign_create"),
        {"name": "Convocatoria 2026", "purpose": "communication", "channel": "email", "audience": audience.pk}
        | {"fallback_language": "es", "track_opens": "on"},
    )
    campaign = Campaign.objects.get(name="Convocatoria 2026")
    assert response["Location"] == reverse("communications:campaign_contents", kwargs={"pk": campaign.pk})
    assert campaign.track_opens

    url = reverse("communications:campaign_contents", kwargs={"pk": campaign.pk})
    content = {
        "es-subject": "Asamblea",
        "es-body_markdown": "**Lima**",
        "en-subject": "Assembly",
        "en-body_markdown": "x",
    }
    preview = client.post(url, {**content, "action": "preview"})
    assert preview.status_code == 200
    assert "<strong>Lima</strong>" in preview.content.decode()
    assert not CampaignContent.objects.filter(campaign=campaign).exists()

    assert client.post(url, {**content, "action": "save"}).status_code == 302
    assert set(CampaignContent.objects.filter(campaign=campaign).values_list("language", flat=True)) == {"es", "en"}

    when = timezone.localtime() + datetime.timedelta(days=3)
    response = client.post(
        reverse("communications:campaign_schedule", kwargs={"pk": campaign.pk}),
        {"scheduled_at": when.strftime("%Y-%m-%dT%H:%M"), "action": "schedule"},
    )
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.SCHEDULED
    assert timezone.localtime(campaign.scheduled_at).strftime("%Y-%m-%dT%H:%M") == when.strftime("%Y-%m-%dT%H:%M")

    client.post(reverse("communications:campaign_unschedule", kwargs={"pk": campaign.pk}))
    campaign.refresh_from_db()
    assert campaign.status == Campaign.Status.DRAFT


def test_cancel_asks_for_confirmation_first(client, staff_users, draft):
    client.force_login(staff_users[StaffRole.ADMIN])
    url = reverse("communications:campaign_cancel", kwargs={"pk": draft.pk})
    page = client.get(url)
    assert page.status_code == 200
    assert "Cancel the campaign" in page.content.decode()
    draft.refresh_from_db()
    assert draft.status == Campaign.Status.DRAFT


# --- Query counts -----------------------------------------------------------------------------


def test_the_campaigns_list_costs_the_same_queries_with_more_campaigns_and_messages(
    client, staff_users, django_assert_max_num_queries
):
    client.force_login(staff_users[StaffRole.COMMUNICATIONS])
    url = reverse("communications:campaign_list")
    messages(CampaignFactory(status=Campaign.Status.SENT), 5, status=Message.Status.DELIVERED)
    with django_assert_max_num_queries(40) as small:
        assert client.get(url).status_code == 200
    for _ in range(12):
        campaign = CampaignFactory(status=Campaign.Status.SENT, audience=AudienceFactory())
        messages(campaign, 30, status=Message.Status.DELIVERED)
        messages(campaign, 4, status=Message.Status.FAILED)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["page_obj"].object_list) == 13
    assert response.context["page_obj"].object_list[0].counts["failed"] == 4


# --- API ---------------------------------------------------------------------------------------


@pytest.fixture
def api(db):
    return APIClient()


@pytest.mark.parametrize("route", sorted(API_ROUTES))
def test_api_readers_read_and_everyone_else_is_refused(api, staff_users, portal_user, draft, route):
    url = reverse(f"api-v1:{route}", kwargs=API_ROUTES[route](draft))
    for role in READERS:
        api.force_authenticate(staff_users[role])
        assert api.get(url).status_code == 200, role
        assert api.post(url, {}).status_code in (403, 405), role
    for user in [*(staff_users[r] for r in REFUSED), portal_user]:
        api.force_authenticate(user)
        assert api.get(url).status_code == 403, user.username
    api.force_authenticate(None)
    assert api.get(url).status_code in (401, 403)


@pytest.mark.parametrize("route", sorted(API_ROUTES))
def test_partner_keys_read_nothing_of_campaigns(api, draft, route):
    _key, raw = api_key_create(
        partner=ExternalPartnerFactory(), name="k", scopes=["directory:read", "stats:read"], created_by=None
    )
    api.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    assert api.get(reverse(f"api-v1:{route}", kwargs=API_ROUTES[route](draft))).status_code == 403


def test_api_detail_gives_content_and_statistics(api, staff_users, draft):
    messages(draft, 3, status=Message.Status.DELIVERED, language="es", country_code="PE")
    api.force_authenticate(staff_users[StaffRole.COMMUNICATIONS])
    body = api.get(reverse("api-v1:campaign-detail", kwargs={"pk": draft.pk})).json()
    assert body["counts"]["delivered"] == 3
    assert body["statistics"]["by_country"][0]["country_code"] == "PE"
    assert body["contents"][0]["language"] == "es"
    assert "<strong>convocatoria</strong>" in body["contents"][0]["body_html"]


def test_api_list_costs_the_same_queries_with_more_campaigns(api, staff_users, django_assert_max_num_queries):
    api.force_authenticate(staff_users[StaffRole.COMMUNICATIONS])
    url = reverse("api-v1:campaign-list")
    CampaignFactory()
    with django_assert_max_num_queries(20) as small:
        assert api.get(url).status_code == 200
    for _ in range(10):
        messages(CampaignFactory(audience=AudienceFactory()), 10, status=Message.Status.SENT)
    with django_assert_max_num_queries(len(small.captured_queries)):
        body = api.get(url, {"status": "draft"}).json()
    assert len(body["results"]) == 11
