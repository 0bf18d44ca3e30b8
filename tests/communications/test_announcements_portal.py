"""Portal announcements: a sent portal campaign shows in the portal of the organizations its
audience reaches, in the user's language (or the fallback), until it expires; opening it marks
it read for that user only (idempotent); another organization's user gets a 404."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from clac.roles import PortalRole, StaffRole
from communications.models import AnnouncementRead, Campaign
from communications.selectors.campaigns import announcements_unread_count
from communications.services.campaigns import announcement_mark_read
from tests.communications.campaign_factories import AudienceFactory, CampaignFactory, add_content, sent_campaign
from tests.factories import OrganizationFactory, country

pytestmark = pytest.mark.django_db


@pytest.fixture
def peru_audience(db):
    audience = AudienceFactory(name="Organizaciones del Perú")
    audience.countries.add(country("PE"))
    return audience


@pytest.fixture
def announcement(peru_audience):
    campaign = sent_campaign(channel=Campaign.Channel.PORTAL, audience=peru_audience, fallback_language="es")
    add_content(campaign, "es", "La asamblea será en **Lima**.", "Asamblea General 2026")
    add_content(campaign, "en", "The assembly will be in **Lima**.", "General Assembly 2026")
    return campaign


@pytest.fixture
def colombian(portal_user_factory):
    organization = OrganizationFactory(name="Cooperativa de Colombia", country=country("CO"))
    return portal_user_factory(PortalRole.ADMIN, organization)


def test_the_user_sees_the_announcement_in_their_language_as_unread(client, portal_user, announcement):
    client.force_login(portal_user)  # English interface
    response = client.get(reverse("communications_portal:announcement_list"))

    assert response.status_code == 200
    [shown] = response.context["announcements"]
    assert shown.pk == announcement.pk and shown.is_read is False
    assert shown.content.language == "en"
    assert "General Assembly 2026" in response.content.decode()
    # The excerpt reads as text: the Markdown's emphasis is not shown as asterisks.
    assert "The assembly will be in Lima." in response.content.decode()
    assert "**" not in response.content.decode()
    assert response.context["unread"] == 1


def test_a_language_without_content_falls_back(client, portal_user_factory, organization, announcement):
    user = portal_user_factory(PortalRole.VIEWER, organization, language="fr")
    client.force_login(user)
    response = client.get(reverse("communications_portal:announcement_detail", kwargs={"pk": announcement.pk}))
    assert response.context["announcement"].content.language == "es"
    assert "<strong>Lima</strong>" in response.content.decode()


def test_opening_marks_it_read_for_this_user_only_and_twice_is_once(
    client, portal_user, portal_editor, announcement, organization
):
    client.force_login(portal_user)
    url = reverse("communications_portal:announcement_detail", kwargs={"pk": announcement.pk})
    assert client.get(url).status_code == 200
    assert client.get(url).status_code == 200

    assert AnnouncementRead.objects.filter(campaign=announcement).count() == 1
    assert announcements_unread_count(user=portal_user, organization_id=organization.pk) == 0
    assert announcements_unread_count(user=portal_editor, organization_id=organization.pk) == 1
    listed = client.get(reverse("communications_portal:announcement_list")).context["announcements"]
    assert listed[0].is_read is True


def test_marking_read_is_idempotent(portal_user, announcement):
    announcement_mark_read(user=portal_user, campaign=announcement)
    first = AnnouncementRead.objects.get().read_at
    announcement_mark_read(user=portal_user, campaign=announcement)
    assert list(AnnouncementRead.objects.values_list("read_at", flat=True)) == [first]


def test_a_user_of_an_organization_the_audience_does_not_reach_gets_404(client, colombian, announcement):
    client.force_login(colombian)
    assert client.get(reverse("communications_portal:announcement_list")).context["announcements"] == []
    url = reverse("communications_portal:announcement_detail", kwargs={"pk": announcement.pk})
    assert client.get(url).status_code == 404
    assert not AnnouncementRead.objects.exists()


@pytest.mark.parametrize(
    "change",
    [
        {"expires_at": timezone.now() - datetime.timedelta(minutes=1)},
        {"status": Campaign.Status.SCHEDULED},
        {"status": Campaign.Status.CANCELLED},
        {"channel": Campaign.Channel.EMAIL},
    ],
    ids=["expired", "not-sent-yet", "cancelled", "an-email"],
)
def test_only_sent_unexpired_portal_campaigns_show(client, portal_user, announcement, change):
    Campaign.objects.filter(pk=announcement.pk).update(**change)
    client.force_login(portal_user)
    assert client.get(reverse("communications_portal:announcement_list")).context["announcements"] == []
    url = reverse("communications_portal:announcement_detail", kwargs={"pk": announcement.pk})
    assert client.get(url).status_code == 404


def test_the_portal_home_shows_the_unread_count(client, portal_user, announcement):
    client.force_login(portal_user)
    page = client.get(reverse("portal:home")).content.decode()
    assert "1 new" in page
    assert reverse("communications_portal:announcement_detail", kwargs={"pk": announcement.pk}) in page


@pytest.mark.parametrize("name", ["announcement_list", "announcement_detail"])
def test_staff_without_portal_access_and_anonymous_are_refused(client, staff_users, announcement, name):
    kwargs = {"pk": announcement.pk} if name == "announcement_detail" else {}
    url = reverse(f"communications_portal:{name}", kwargs=kwargs)
    client.force_login(staff_users[StaffRole.COMMUNICATIONS])
    assert client.get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_the_announcements_list_costs_the_same_queries_with_more_reads_and_organizations(
    client, portal_user, portal_user_factory, announcement, peru_audience, django_assert_max_num_queries
):
    client.force_login(portal_user)
    url = reverse("communications_portal:announcement_list")
    with django_assert_max_num_queries(40) as small:
        assert client.get(url).status_code == 200
    for index in range(15):
        organization = OrganizationFactory(name=f"Cooperativa {index}")
        announcement_mark_read(user=portal_user_factory(PortalRole.VIEWER, organization), campaign=announcement)
    other = sent_campaign(channel=Campaign.Channel.PORTAL, audience=peru_audience)
    add_content(other, "es", "Otra noticia", "Noticia")
    colombia = AudienceFactory(name="Colombia")
    colombia.countries.add(country("CO"))
    CampaignFactory(channel=Campaign.Channel.PORTAL, audience=colombia, status=Campaign.Status.SENT)
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert len(response.context["announcements"]) == 2


def test_the_statistics_page_of_an_announcement_counts_its_readers(client, staff_users, portal_user, announcement):
    announcement_mark_read(user=portal_user, campaign=announcement)
    client.force_login(staff_users[StaffRole.VIEWER])
    response = client.get(reverse("communications:campaign_statistics", kwargs={"pk": announcement.pk}))
    assert response.context["stats"].reads == 1
