"""Audiences: saved rules over people, resolved live when a campaign is sent (never a stored copy
rebuilt by a cron), and the suppression list that no send may cross."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clac.models import TimeStampedModel


class Audience(TimeStampedModel):
    """Internal audiences select registry people through their affiliations; external ones select
    partner contacts. Every rule left empty means "any"; rules combine with AND, the values inside
    one rule with OR (e.g. countries PE or CO, and role manager)."""

    class Scope(models.TextChoices):
        INTERNAL = "internal", _("Internal: people of member organizations")
        EXTERNAL = "external", _("External: partner contacts")

    name = models.CharField(_("name"), max_length=200, unique=True)
    description = models.TextField(_("description"), blank=True)
    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices, default=Scope.INTERNAL)
    # Internal rules. Choice codes are kept as lists (members.Organization.Kind,
    # members.Membership.Status, members.Affiliation.Role, settings.LANGUAGES): small, validated
    # by the service, and readable in the history.
    organization_kinds = models.JSONField(_("organization kinds"), default=list, blank=True)
    countries = models.ManyToManyField("members.Country", verbose_name=_("countries"), blank=True, related_name="+")
    networks = models.ManyToManyField("networks.Network", verbose_name=_("networks"), blank=True, related_name="+")
    products = models.ManyToManyField("members.Product", verbose_name=_("products"), blank=True, related_name="+")
    membership_statuses = models.JSONField(_("membership statuses"), default=list, blank=True)
    affiliation_roles = models.JSONField(_("roles"), default=list, blank=True)
    primary_contacts_only = models.BooleanField(_("primary contacts only"), default=False)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    # External rule.
    partner_kinds = models.JSONField(_("partner kinds"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    history = HistoricalRecords(m2m_fields=[countries, networks, products])

    class Meta:
        ordering = ["name"]
        verbose_name = _("audience")
        verbose_name_plural = _("audiences")

    def __str__(self) -> str:
        return self.name


class Suppression(models.Model):
    """An address no campaign may reach again on a channel: the person unsubscribed, the address
    bounced hard, its owner complained, or staff blocked it. Keyed by address, not by person, so
    it also holds for partner contacts and survives a merge or an erasure of the person."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        WHATSAPP = "whatsapp", _("WhatsApp")

    class Reason(models.TextChoices):
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")
        HARD_BOUNCE = "hard_bounce", _("Hard bounce")
        COMPLAINT = "complaint", _("Complaint (marked as spam)")
        MANUAL = "manual", _("Blocked by staff")

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # Lower-case email or E.164 phone number, as the outbox stores it.
    address = models.CharField(_("address"), max_length=254)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("since"), auto_now_add=True)
    # The message whose bounce, complaint or unsubscribe link caused it, when there is one.
    message = models.ForeignKey(
        "communications.Message", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Adds and removals (staff unblocking an address) are kept with who and why.
    history = HistoricalRecords()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")
        constraints = [
            # One row per address and channel: the first reason is kept, later events only log.
            models.UniqueConstraint(fields=["channel", "address"], name="suppression_unique_channel_address"),
        ]

    def __str__(self) -> str:
        return f"{self.channel}:{self.address} ({self.reason})"
