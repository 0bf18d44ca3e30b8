"""A campaign's statistics from its outbox rows: the figures and rates overall, per language and
per country, the skipped recipients by reason and the recent failures — in a number of queries
that does not grow with the messages."""

import pytest
from django.urls import reverse
from django.utils import timezone

from clac.roles import StaffRole
from communications.models import Message
from communications.selectors.campaigns import campaign_statistics
from tests.communications.campaign_factories import messages, sent_campaign

pytestmark = pytest.mark.django_db
S = Message.Status
R = Message.SkipReason


@pytest.fixture
def campaign():
    campaign = sent_campaign(track_opens=True, track_clicks=False)
    now = timezone.now()
    messages(campaign, 6, status=S.DELIVERED, language="es", country_code="PE", sent_at=now, delivered_at=now)
    messages(campaign, 2, status=S.DELIVERED, language="es", country_code="PE", opened_at=now, clicked_at=now)
    messages(campaign, 1, status=S.DELIVERED, language="en", country_code="BZ", unsubscribed_at=now)
    messages(campaign, 1, status=S.BOUNCED, language="en", country_code="BZ", error="550 unknown user")
    messages(campaign, 1, status=S.FAILED, language="fr", country_code="HT", error="timeout")
    messages(campaign, 1, status=S.SENT, language="pt-br", country_code="BR")
    messages(campaign, 2, status=S.SUPPRESSED, skip_reason=R.NO_CONSENT, language="es", country_code="CO")
    messages(campaign, 1, status=S.SUPPRESSED, skip_reason=R.SUPPRESSED, language="es", country_code="")
    return campaign


def test_overall_figures_and_rates(campaign):
    overall = campaign_statistics(campaign=campaign).overall

    assert overall["total"] == 15
    assert overall["sent"] == 11  # delivered 9 + bounced 1 + sent 1
    assert overall["delivered"] == 9
    assert overall["bounced"] == 1
    assert overall["failed"] == 1
    assert overall["suppressed"] == 3
    assert overall["opened"] == 2
    assert overall["unsubscribed"] == 1
    assert overall["delivered_rate"] == round(100 * 9 / 11, 1)
    assert overall["opened_rate"] == round(100 * 2 / 9, 1)
    # Clicks were not counted for this campaign: no rate is made up.
    assert overall["clicked_rate"] is None


def test_figures_per_language_and_per_country(campaign):
    stats = campaign_statistics(campaign=campaign)

    by_language = {row["language"]: row for row in stats.by_language}
    assert {code: row["total"] for code, row in by_language.items()} == {"es": 11, "en": 2, "fr": 1, "pt-br": 1}
    assert by_language["en"]["bounced"] == 1 and by_language["en"]["unsubscribed"] == 1
    assert by_language["es"]["label"] == "Spanish" or by_language["es"]["label"] == "Español"

    by_country = {row["country_code"]: row for row in stats.by_country}
    assert by_country["PE"]["delivered"] == 8
    assert by_country["PE"]["label"] == "Peru" or by_country["PE"]["label"] == "Perú"
    assert by_country["HT"]["failed"] == 1
    assert by_country[""]["label"] == "—"


def test_skipped_recipients_by_reason_and_recent_failures(campaign):
    stats = campaign_statistics(campaign=campaign)

    assert [(row["reason"], row["count"]) for row in stats.skipped] == [("no_consent", 2), ("suppressed", 1)]
    assert sorted(m.error for m in stats.failures) == ["550 unknown user", "timeout"]


def test_a_campaign_without_messages_has_zeros_and_no_rates():
    stats = campaign_statistics(campaign=sent_campaign())
    assert stats.overall["total"] == 0
    assert stats.overall["delivered_rate"] is None
    assert stats.by_language == stats.by_country == stats.skipped == stats.failures == []


def test_the_statistics_page_costs_the_same_queries_with_ten_times_the_messages(
    client, staff_user_factory, django_assert_max_num_queries, campaign
):
    client.force_login(staff_user_factory(StaffRole.COMMUNICATIONS))
    url = reverse("communications:campaign_statistics", kwargs={"pk": campaign.pk})
    with django_assert_max_num_queries(40) as small:
        assert client.get(url).status_code == 200
    for code in ("MX", "GT", "HN", "NI", "EC", "BO", "DO", "CR"):
        messages(campaign, 20, status=S.DELIVERED, language="en", country_code=code)
        messages(campaign, 3, status=S.FAILED, language="fr", country_code=code, error="refused")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.status_code == 200
    assert "Honduras" in response.content.decode()


def test_skipped_reasons_link_to_the_audiences_people_for_its_managers_only(client, staff_user_factory, campaign):
    url = reverse("communications:campaign_statistics", kwargs={"pk": campaign.pk})
    people = reverse("communications:audience_people", kwargs={"pk": campaign.audience_id})

    client.force_login(staff_user_factory(StaffRole.COMMUNICATIONS))
    assert f"{people}?channel=email&amp;reason=no_consent" in client.get(url).content.decode()

    client.force_login(staff_user_factory(StaffRole.VIEWER))
    page = client.get(url).content.decode()
    assert people not in page and "No consent for this channel" in page
