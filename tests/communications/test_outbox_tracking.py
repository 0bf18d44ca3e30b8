"""Opens and clicks of campaign emails: the pixel and the click redirect record them once, and
a token that was tampered with records nothing and never redirects anywhere else."""

import pytest
from django.core import mail, signing
from django.urls import reverse
from django.utils import timezone

from communications import tracking
from communications.models import Campaign, Message
from communications.services.outbox import campaign_dispatch
from tests.communications.outbox_support import audience_members, make_campaign, people

pytestmark = pytest.mark.django_db

TARGET = "https://clac.example.org/agenda"


@pytest.fixture
def message() -> Message:
    campaign = make_campaign(status=Campaign.Status.SENT, track_opens=True, track_clicks=True)
    (person,) = people(1)
    return Message.objects.create(
        campaign=campaign,
        person=person,
        channel="email",
        address=person.email,
        language="es",
        status=Message.Status.SENT,
        sent_at=timezone.now(),
    )


def open_url(message_id: int) -> str:
    return reverse("communications_public:open", args=[tracking.open_token(message_id=message_id)])


def click_url(message_id: int, url: str = TARGET) -> str:
    return reverse("communications_public:click", args=[tracking.click_token(message_id=message_id, url=url)])


def test_the_pixel_records_the_first_open_and_returns_a_gif(client, message):
    response = client.get(open_url(message.pk))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/gif"
    message.refresh_from_db()
    first = message.opened_at
    assert first is not None
    client.get(open_url(message.pk))
    message.refresh_from_db()
    assert message.opened_at == first


def test_a_tampered_pixel_records_nothing(client, message):
    token = tracking.open_token(message_id=message.pk)
    forged = signing.dumps(message.pk + 1, salt="another salt")

    for bad in (token[:-2] + "xx", forged, "nonsense"):
        response = client.get(reverse("communications_public:open", args=[bad]))
        assert response.status_code == 200

    message.refresh_from_db()
    assert message.opened_at is None


def test_a_click_records_click_and_open_and_redirects_to_the_signed_url(client, message):
    response = client.get(click_url(message.pk))

    assert response.status_code == 302
    assert response["Location"] == TARGET
    message.refresh_from_db()
    assert message.clicked_at is not None and message.opened_at is not None


@pytest.mark.parametrize(
    "token",
    [
        "forged",
        "edited signature",
        "other salt",
        "javascript url",
    ],
)
def test_a_tampered_click_token_is_a_404_and_never_redirects(client, message, token):
    if token == "forged":
        value = "W1sxLCJodHRwczovL2V2aWwuZXhhbXBsZSJdXQ:1abc:xyz"
    elif token == "edited signature":
        value = tracking.click_token(message_id=message.pk, url=TARGET)[:-3] + "abc"
    elif token == "other salt":
        value = signing.dumps([message.pk, "https://evil.example"], salt="another")
    else:
        value = tracking.click_token(message_id=message.pk, url="javascript:alert(1)")

    response = client.get(reverse("communications_public:click", args=[value]))

    assert response.status_code == 404
    message.refresh_from_db()
    assert message.clicked_at is None


def test_a_click_url_cannot_be_extended_with_another_target(client, message):
    response = client.get(click_url(message.pk) + "?next=https://evil.example")

    assert response["Location"] == TARGET


def test_sent_email_carries_the_pixel_and_tracked_links_when_the_campaign_asks(django_capture_on_commit_callbacks):
    audience, _ = audience_members(1, languages=["es"])
    campaign = make_campaign(track_opens=True, track_clicks=True, languages=("es",), audience=audience)

    with django_capture_on_commit_callbacks(execute=True):
        campaign_dispatch(campaign_id=campaign.pk)

    html = mail.outbox[0].alternatives[0].content
    message = Message.objects.get()
    assert 'href="https://clac.example.org/agenda"' not in html
    assert reverse("communications_public:click", args=["x"]).rsplit("x", 1)[0] in html
    assert open_url(message.pk) in html
    # The text part keeps the plain link.
    assert TARGET in mail.outbox[0].body


def test_an_untracked_campaign_has_neither_pixel_nor_redirects(django_capture_on_commit_callbacks):
    audience, _ = audience_members(1, languages=["es"])
    campaign = make_campaign(languages=("es",), audience=audience)

    with django_capture_on_commit_callbacks(execute=True):
        campaign_dispatch(campaign_id=campaign.pk)

    html = mail.outbox[0].alternatives[0].content
    assert 'href="https://clac.example.org/agenda"' in html
    assert "/c/o/" not in html
