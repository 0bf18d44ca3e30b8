"""External partners (FI, NFOs, Producer Networks, public and private sector), their contacts and
the partner API keys that belong to them."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from clac.models import PartnerKeyBase, TimeStampedModel


class ExternalPartner(TimeStampedModel):
    class Kind(models.TextChoices):
        FAIRTRADE_INTERNATIONAL = "fi", _("Fairtrade International")
        NFO = "nfo", _("National Fairtrade Organization")
        PRODUCER_NETWORK = "producer_network", _("Producer Network")
        PUBLIC = "public", _("Public sector")
        PRIVATE = "private", _("Private sector")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    # ISO 3166-1 alpha-2 code; the name comes translated from django-countries' catalogues.
    country = CountryField(_("country"), blank=True)
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("external partner")
        verbose_name_plural = _("external partners")

    def __str__(self) -> str:
        return self.name


class ApiKey(PartnerKeyBase):
    """A Fairtrade partner's key: `Authorization: Api-Key <key>`. Scopes limit what it reads.
    Authenticated by clac.api.authentication (named in this app's plugin)."""

    partner = models.ForeignKey(
        ExternalPartner,
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="api_keys",
    )
    # Set on the instances by communications.views.partner_detail (not fields).
    state_css: str
    state_label: str

    class Meta:
        verbose_name = _("partner API key")
        verbose_name_plural = _("partner API keys")

    def __str__(self) -> str:
        return f"{self.partner} · {self.prefix}…"


class PartnerContact(TimeStampedModel):
    """A person at a partner organization (FI, an NFO, a ministry…): external audiences reach
    them. Not a registry Person: partners' staff are not members, and their consent is kept here,
    one date per channel (empty = no consent on that channel)."""

    partner = models.ForeignKey(
        ExternalPartner, verbose_name=_("partner"), on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=200)
    position = models.CharField(_("position"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=16, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    email_consent_at = models.DateTimeField(_("email consent given"), null=True, blank=True)
    sms_consent_at = models.DateTimeField(_("SMS consent given"), null=True, blank=True)
    whatsapp_consent_at = models.DateTimeField(_("WhatsApp consent given"), null=True, blank=True)
    consent_method = models.CharField(_("how consent was given"), max_length=200, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["partner__name", "name", "id"]
        verbose_name = _("partner contact")
        verbose_name_plural = _("partner contacts")
        indexes = [
            # Unsubscribes and bounces find a contact by address.
            models.Index(Lower("email"), name="partnercontact_email_lower_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.partner})"
