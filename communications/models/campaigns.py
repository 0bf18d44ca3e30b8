"""Campaigns and their outbox: one Message row per campaign and recipient (unique, so a
recipient can never be sent a campaign twice), walked by key in batches by the sending tasks."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clac.models import TimeStampedModel
from clac.strategic_lines import StrategicLine


class Campaign(TimeStampedModel):
    """A message to an audience on one channel, written in up to four languages. A portal
    campaign is not sent to addresses: once sent it shows as an announcement in the portal of the
    organizations its audience reaches (AnnouncementRead keeps who read it)."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        WHATSAPP = "whatsapp", _("WhatsApp")
        PORTAL = "portal", _("Portal announcement")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    name = models.CharField(_("name"), max_length=200)
    purpose = models.CharField(_("strategic line"), max_length=20, choices=StrategicLine.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL)
    audience = models.ForeignKey(
        "communications.Audience", verbose_name=_("audience"), on_delete=models.PROTECT, related_name="campaigns"
    )
    # Recipients whose language has no content get this one.
    fallback_language = models.CharField(
        _("fallback language"), max_length=10, choices=settings.LANGUAGES, default="es"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    scheduled_at = models.DateTimeField(_("scheduled for"), null=True, blank=True)
    sending_started_at = models.DateTimeField(_("sending started"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # Portal announcements stop showing after this moment (empty = they stay).
    expires_at = models.DateTimeField(_("shown until"), null=True, blank=True)
    track_opens = models.BooleanField(_("count opens"), default=False)
    track_clicks = models.BooleanField(_("count clicks"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        indexes = [
            # The beat task's look-up of scheduled campaigns that are due.
            models.Index(fields=["status", "scheduled_at"], name="campaign_status_due_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class CampaignContent(models.Model):
    """The campaign in one language: Markdown written by staff; the HTML and text parts are
    rendered from it (communications.rendering) and kept, so every recipient gets the same."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="contents")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body_markdown = models.TextField(_("text"))
    body_html = models.TextField(editable=False, default="")
    body_text = models.TextField(editable=False, default="")
    history = HistoricalRecords()

    class Meta:
        ordering = ["campaign", "language"]
        verbose_name = _("campaign content")
        verbose_name_plural = _("campaign contents")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "language"], name="campaigncontent_unique_language"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign} [{self.language}]"


class Message(models.Model):
    """One campaign for one recipient: the outbox row. Created queued (or suppressed, with the
    reason, when consent or the suppression list forbids the send), then moved by the sending
    task and the provider's webhooks."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        DELIVERED = "delivered", _("Delivered")
        BOUNCED = "bounced", _("Bounced")
        FAILED = "failed", _("Failed")
        SUPPRESSED = "suppressed", _("Not sent (no consent or blocked)")
        CANCELLED = "cancelled", _("Cancelled")

    class SkipReason(models.TextChoices):
        NONE = "", _("—")
        NO_ADDRESS = "no_address", _("No address for this channel")
        NO_CONSENT = "no_consent", _("No consent for this channel")
        CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent withdrawn")
        SUPPRESSED = "suppressed", _("Address on the suppression list")
        NOT_MOBILE = "not_mobile", _("Not a mobile number")

    # No index of its own: the (campaign, status, id) index below serves every look-up by
    # campaign, and one index fewer makes the 100,000-row INSERT of a dispatch cheaper.
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="messages", db_index=False)
    # Exactly one of the two: a registry person (internal audience) or a partner contact.
    person = models.ForeignKey(
        "members.Person", on_delete=models.SET_NULL, null=True, blank=True, related_name="campaign_messages"
    )
    partner_contact = models.ForeignKey(
        "communications.PartnerContact", on_delete=models.SET_NULL, null=True, blank=True, related_name="messages"
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Campaign.Channel.choices)
    # Lower-case email or E.164 phone number at the time of sending.
    address = models.CharField(_("address"), max_length=254, blank=True)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    # For the statistics per country (ISO code of the person's organization or the partner).
    country_code = models.CharField(max_length=2, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    skip_reason = models.CharField(_("why not sent"), max_length=20, choices=SkipReason.choices, blank=True)
    provider_id = models.CharField(_("provider's id"), max_length=200, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # The sending task that holds this queued message (its Celery task id) and until when: a
    # batch claims its messages before sending, so a second worker never sends them; a claim
    # that expired (its worker died) is taken over by the redelivered or re-enqueued task.
    claim_token = models.CharField(max_length=64, blank=True, editable=False)
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            # The outbox's promise: one message per campaign and recipient, whatever retries.
            models.UniqueConstraint(
                fields=["campaign", "person"], condition=Q(person__isnull=False), name="message_unique_campaign_person"
            ),
            models.UniqueConstraint(
                fields=["campaign", "partner_contact"],
                condition=Q(partner_contact__isnull=False),
                name="message_unique_campaign_contact",
            ),
        ]
        indexes = [
            # The senders walk a campaign's queued messages by key, batch after batch.
            models.Index(fields=["campaign", "status", "id"], name="message_campaign_status_idx"),
            # Webhooks find a message by the provider's id (only sent messages have one).
            models.Index(fields=["provider_id"], condition=~Q(provider_id=""), name="message_provider_id_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} → {self.address or '—'} ({self.status})"


class AnnouncementRead(models.Model):
    """A portal user opened a portal announcement (a sent campaign on the portal channel)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("announcement read")
        verbose_name_plural = _("announcements read")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "user"], name="announcementread_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id} read by {self.user_id}"
