"""Communications. For now the ExternalPartner and the partner API keys that belong to it; the
communications issue adds audiences, campaigns, the outbox and inquiries."""

from django.db import models
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
