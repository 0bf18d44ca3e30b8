"""Product strategies, needs and SPO sustainability strategies (issue #8 items 4 and 5, DESIGN
§4 "networks"): what a product network plans for a period (goals, market targets, the
strategic lines it serves), what member organizations need from CLAC (raised in the portal or
by staff, answered by staff), and where each small producer organization stands with its own
sustainability strategy. Models hold data and single-row rules; every write goes through
networks.services.strategies."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clac.models import TimeStampedModel
from members.models import Organization
from networks.models.core import Network

__all__ = [
    "MarketTarget",
    "Need",
    "NeedEvent",
    "ProductStrategy",
    "StrategicLine",
    "SustainabilityArea",
    "SustainabilityStrategy",
]


class StrategicLine(models.TextChoices):
    """CLAC's six strategic lines (DESIGN §2). A product strategy names the lines it serves until
    the strategy module (plans, objectives) exists; then its objectives are linked instead
    (docs/decisions: strategies link to strategic lines)."""

    FINANCIAL = "financial", _("Financial sustainability")
    COMMUNICATION = "communication", _("Communication strategy")
    PRODUCT_NETWORKS = "product_networks", _("Product networks")
    WORKERS_NETWORK = "workers_network", _("Workers network")
    COUNTRY_NETWORKS = "country_networks", _("Country networks")
    STRATEGIC_PLAN = "strategic_plan", _("Strategic plan")


class ProductStrategy(TimeStampedModel):
    """A product network's strategy for a period of whole years (e.g. 2024-2026): goals, market
    targets (MarketTarget rows) and the strategic lines it serves. Drafted by the network's
    coordinators, approved, then closed when the period is over."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        CLOSED = "closed", _("Closed")

    network = models.ForeignKey(
        Network, verbose_name=_("product network"), on_delete=models.CASCADE, related_name="product_strategies"
    )
    title = models.CharField(_("title"), max_length=200)
    start_year = models.PositiveSmallIntegerField(_("first year"))
    end_year = models.PositiveSmallIntegerField(_("last year"))
    goals = models.TextField(_("goals"), blank=True, help_text=_("One goal per line."))
    strategic_lines = models.JSONField(_("strategic lines"), default=list, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_year", "network__name", "id"]
        verbose_name = _("product strategy")
        verbose_name_plural = _("product strategies")
        constraints = [
            # A period runs forward: 2024-2026, never 2026-2024.
            models.CheckConstraint(condition=Q(end_year__gte=F("start_year")), name="product_strategy_period_forward"),
            # One strategy per network and period: two versions of "coffee 2024-2026" would
            # leave the network's coordinators unsure which one holds.
            models.UniqueConstraint(
                fields=["network", "start_year", "end_year"], name="product_strategy_one_per_network_period"
            ),
        ]
        indexes = [
            # The network page and the strategies list read a network's strategies by period.
            models.Index(fields=["network", "start_year"], name="product_strategy_network_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.start_year}-{self.end_year})"

    @property
    def goal_list(self) -> list[str]:
        return [line.strip() for line in self.goals.splitlines() if line.strip()]

    @property
    def strategic_line_labels(self) -> list[str]:
        labels = dict(StrategicLine.choices)
        return [str(labels[code]) for code in self.strategic_lines if code in labels]

    @property
    def status_badge(self) -> str:
        return {"draft": "pending", "approved": "approved", "closed": "withdrawn"}[self.status]


class MarketTarget(models.Model):
    """One row of a product strategy's market targets: a market (a country or a segment, e.g.
    "Germany" or "Specialty coffee, United States"), a target value with its unit (a volume
    in the product's unit of trade, or a share in percent) and the year it should be reached."""

    class Unit(models.TextChoices):
        LB = "lb", _("pounds (lb)")
        KG = "kg", _("kilograms (kg)")
        TONNE = "t", _("tonnes (t)")
        BOX = "box", _("boxes")
        PERCENT = "percent", _("share in percent")

    strategy = models.ForeignKey(
        ProductStrategy, verbose_name=_("product strategy"), on_delete=models.CASCADE, related_name="market_targets"
    )
    market = models.CharField(_("market"), max_length=150, help_text=_("A country or a segment."))
    target_value = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    history = HistoricalRecords()

    class Meta:
        ordering = ["strategy_id", "year", "market", "id"]
        verbose_name = _("market target")
        verbose_name_plural = _("market targets")
        constraints = [
            models.CheckConstraint(condition=Q(target_value__gt=0), name="market_target_positive"),
            # A share is a percentage.
            models.CheckConstraint(
                condition=~Q(unit="percent") | Q(target_value__lte=100), name="market_target_share_at_most_100"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.market} {self.year}: {self.target_value} {self.unit}"


class Need(TimeStampedModel):
    """Something a member organization (or a whole network) needs from CLAC: raised by the
    organization in the portal or by staff, answered by staff. Its status moves
    open → in progress → answered → closed; every change is a NeedEvent (who, when)."""

    class Category(models.TextChoices):
        MARKET_ACCESS = "market_access", _("Market access")
        PRODUCTION = "production", _("Production")
        FINANCE = "finance", _("Finance")
        ORGANIZATION = "organization", _("Organizational strengthening")
        CERTIFICATION = "certification", _("Certification")
        CLIMATE = "climate", _("Climate")

    class Priority(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")
        URGENT = "urgent", _("Urgent")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        ANSWERED = "answered", _("Answered")
        CLOSED = "closed", _("Closed")

    class Source(models.TextChoices):
        PORTAL = "portal", _("Raised in the portal")
        STAFF = "staff", _("Recorded by staff")

    # Sort order of priorities: urgent first in every list.
    PRIORITY_RANK = {"urgent": 0, "high": 1, "medium": 2, "low": 3}

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="needs",
    )
    network = models.ForeignKey(
        Network, verbose_name=_("network"), on_delete=models.CASCADE, null=True, blank=True, related_name="needs"
    )
    title = models.CharField(_("title"), max_length=200)
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.MEDIUM)
    priority_rank = models.PositiveSmallIntegerField(default=2, editable=False)
    description = models.TextField(_("description"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    response = models.TextField(_("response"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("raised by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["priority_rank", "-created_at", "-id"]
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        constraints = [
            # A need is someone's: an organization's, a network's, or an organization's within
            # a network. That owner decides who reads and answers it.
            models.CheckConstraint(
                condition=Q(organization__isnull=False) | Q(network__isnull=False), name="need_has_owner"
            ),
            # The organization reads the answer in the portal: an answered need carries one.
            models.CheckConstraint(
                condition=~Q(status="answered") | ~Q(response=""), name="need_answered_has_response"
            ),
            models.CheckConstraint(condition=Q(priority_rank__lte=3), name="need_priority_rank_known"),
        ]
        indexes = [
            # The needs list: by status, urgent first, newest first.
            models.Index(fields=["status", "priority_rank", "-created_at"], name="need_status_priority_idx"),
            models.Index(fields=["network", "status"], name="need_network_status_idx"),
            models.Index(fields=["organization", "-created_at"], name="need_organization_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def status_badge(self) -> str:
        return {"open": "pending", "in_progress": "submitted", "answered": "approved", "closed": "withdrawn"}[
            self.status
        ]

    @property
    def priority_badge(self) -> str:
        return {"urgent": "rejected", "high": "pending", "medium": "submitted", "low": "withdrawn"}[self.priority]


class NeedEvent(models.Model):
    """One dated, attributed step in a need's life: raised, a status change, an answer. Append
    only; the portal shows the organization the steps and the dates."""

    need = models.ForeignKey(Need, verbose_name=_("need"), on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from"), max_length=12, choices=Need.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=Need.Status.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        ordering = ["need_id", "at", "id"]
        verbose_name = _("need event")
        verbose_name_plural = _("need events")

    def __str__(self) -> str:
        return f"{self.need_id}: {self.from_status} → {self.to_status}"


class SustainabilityArea(models.TextChoices):
    """The areas an SPO's sustainability strategy covers: the three classic pillars, governance,
    and the cross-cutting themes of CLAC's work with members (climate adaptation, gender,
    youth). See docs/decisions (the areas list)."""

    ENVIRONMENTAL = "environmental", _("Environmental")
    ECONOMIC = "economic", _("Economic")
    SOCIAL = "social", _("Social")
    GOVERNANCE = "governance", _("Governance")
    CLIMATE = "climate_adaptation", _("Climate adaptation")
    GENDER = "gender", _("Gender equity")
    YOUTH = "youth", _("Youth")


class SustainabilityStrategy(TimeStampedModel):
    """Where a small producer organization (kinds spo and spo2) stands with its own
    sustainability strategy, and which country network supports it. One row per organization;
    its history keeps every earlier state."""

    class Status(models.TextChoices):
        NONE = "none", _("No strategy")
        DRAFTING = "drafting", _("Drafting")
        ADOPTED = "adopted", _("Adopted")

    organization = models.OneToOneField(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="sustainability_strategy",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.NONE)
    areas = models.JSONField(_("areas"), default=list, blank=True)
    adopted_on = models.DateField(_("adopted on"), null=True, blank=True)
    supporting_network = models.ForeignKey(
        Network,
        verbose_name=_("supporting country network"),
        on_delete=models.PROTECT,
        related_name="supported_strategies",
    )
    notes = models.TextField(_("notes"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["organization__name", "id"]
        verbose_name = _("sustainability strategy")
        verbose_name_plural = _("sustainability strategies")
        constraints = [
            # An adopted strategy says when it was adopted; a strategy not adopted has no date.
            models.CheckConstraint(
                condition=(Q(status="adopted") & Q(adopted_on__isnull=False))
                | (~Q(status="adopted") & Q(adopted_on__isnull=True)),
                name="sustainability_adopted_iff_dated",
            ),
        ]
        indexes = [
            # The network page's figure counts adopted strategies per country.
            models.Index(fields=["status"], name="sustainability_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.get_status_display()}"

    @property
    def area_labels(self) -> list[str]:
        labels = dict(SustainabilityArea.choices)
        return [str(labels[code]) for code in self.areas if code in labels]

    @property
    def status_badge(self) -> str:
        return {"none": "withdrawn", "drafting": "submitted", "adopted": "approved"}[self.status]
