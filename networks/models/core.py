"""Networks and governance (DESIGN §1, §4 "networks"): CLAC's country, product and workers
networks, their member organizations, and the bodies (CLAC's own and each network's) with
their mandates and seats. Meetings and assemblies build on these (models/meetings.py,
models/assemblies.py). Models hold data and single-row rules; every write goes through
networks.services."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clac.models import TimeStampedModel
from members.models import Country, Organization, Person, ProductNetwork, Subregion

__all__ = ["Body", "Mandate", "Network", "NetworkMembership", "Seat"]


class Network(TimeStampedModel):
    """A country network (some span two countries, e.g. Costa Rica + Panama), one of the eight
    product networks, or the workers network (with its national workers' committees, which
    are bodies, and its three subregions)."""

    class Kind(models.TextChoices):
        COUNTRY = "country", _("Country network")
        PRODUCT = "product", _("Product network")
        WORKERS = "workers", _("Workers network")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200, unique=True)
    countries = models.ManyToManyField(Country, verbose_name=_("countries"), blank=True, related_name="networks")
    # The product network's category (members.ProductNetwork); empty for other kinds.
    product_network = models.CharField(
        _("product network"), max_length=20, choices=ProductNetwork.choices, blank=True, default=""
    )
    coordinators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coordinators"),
        blank=True,
        related_name="coordinated_networks",
        help_text=_("Staff members with the coordinator role who manage this network."),
    )
    founded_year = models.PositiveSmallIntegerField(_("founded"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("network")
        verbose_name_plural = _("networks")
        constraints = [
            # A product network names its product category, and only a product network does.
            models.CheckConstraint(
                condition=(Q(kind="product") & ~Q(product_network="")) | (~Q(kind="product") & Q(product_network="")),
                name="network_product_category_iff_product",
            ),
            # One network per product category: membership sync joins organizations by product.
            models.UniqueConstraint(
                fields=["product_network"], condition=Q(kind="product"), name="network_one_per_product_category"
            ),
            # One workers network (founded 2015) for the whole region.
            models.UniqueConstraint(fields=["kind"], condition=Q(kind="workers"), name="network_one_workers_network"),
        ]

    def __str__(self) -> str:
        return self.name


class NetworkMembership(TimeStampedModel):
    """An organization in a network from `since` until `until` (open: current). Kept in sync
    with the registry (country, products, kind) by networks.services; staff may add or end one
    by hand, which the sync then respects."""

    class Source(models.TextChoices):
        AUTOMATIC = "automatic", _("From the registry")
        MANUAL = "manual", _("Added by hand")

    network = models.ForeignKey(
        Network, verbose_name=_("network"), on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="network_memberships"
    )
    since = models.DateField(_("since"))
    until = models.DateField(_("until"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.AUTOMATIC)
    # Why it was added or ended by hand (required then), or what the sync saw.
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # An exit by hand stops the sync from re-adding the organization while this row stands.
    excluded = models.BooleanField(_("kept out by hand"), default=False)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("changed by"), on_delete=models.SET_NULL, null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["network_id", "-since", "id"]
        verbose_name = _("network membership")
        verbose_name_plural = _("network memberships")
        constraints = [
            # At most one current membership per organization and network: the sync relies on it.
            models.UniqueConstraint(
                fields=["network", "organization"],
                condition=Q(until__isnull=True),
                name="network_membership_one_current",
            ),
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(until__gte=F("since")), name="network_membership_until_after_since"
            ),
        ]
        indexes = [
            # A network's current members (pages, counts, partner API).
            models.Index(fields=["network", "until"], name="netmember_network_until_idx"),
            models.Index(fields=["organization", "until"], name="netmember_org_until_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.network}"

    @property
    def is_current(self) -> bool:
        return self.until is None


class Body(TimeStampedModel):
    """A governing or technical body: CLAC's own (General Assembly, Board, Oversight Committee;
    `network` empty) or a network's (its assembly and committees; a national workers' committee
    also names its country)."""

    class Kind(models.TextChoices):
        GENERAL_ASSEMBLY = "general_assembly", _("General Assembly")
        BOARD = "board", _("Board")
        OVERSIGHT = "oversight", _("Oversight Committee")
        NETWORK_ASSEMBLY = "network_assembly", _("Network assembly")
        COORDINATING = "coordinating", _("Coordinating committee")
        OPERATIVE = "operative", _("Operative committee")
        ADVISORY = "advisory", _("Advisory committee")
        TECHNICAL = "technical", _("Technical committee")
        NATIONAL_WORKERS = "national_workers", _("National workers' committee")
        WORKERS_COORDINATING = "workers_coordinating", _("Workers' coordinating committee")

    # CLAC's own bodies: they belong to no network.
    CLAC_KINDS = (Kind.GENERAL_ASSEMBLY, Kind.BOARD, Kind.OVERSIGHT)

    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    network = models.ForeignKey(
        Network, verbose_name=_("network"), on_delete=models.CASCADE, null=True, blank=True, related_name="bodies"
    )
    country = models.ForeignKey(
        Country, verbose_name=_("country"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Seats per subregion (the workers' coordinating committee: 2 from each of 3 subregions).
    seats_per_subregion = models.PositiveSmallIntegerField(_("seats per subregion"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()
    # Set on the instances by networks.selectors.governance.bodies_with_current_seats (not fields).
    current_mandate: "Mandate | None"
    current_seats: list["Seat"]

    class Meta:
        ordering = ["network_id", "kind", "name"]
        verbose_name = _("body")
        verbose_name_plural = _("bodies")
        constraints = [
            # CLAC's own bodies have no network; every other kind belongs to one.
            models.CheckConstraint(
                condition=(Q(kind__in=["general_assembly", "board", "oversight"]) & Q(network__isnull=True))
                | (~Q(kind__in=["general_assembly", "board", "oversight"]) & Q(network__isnull=False)),
                name="body_network_iff_not_clac_body",
            ),
            models.UniqueConstraint(fields=["network", "name"], name="body_unique_name_in_network"),
        ]

    def __str__(self) -> str:
        return self.name


class Mandate(TimeStampedModel):
    """A body's term of office, e.g. 2022 to 2024, with the seats filled for it."""

    body = models.ForeignKey(Body, verbose_name=_("body"), on_delete=models.CASCADE, related_name="mandates")
    start = models.DateField(_("start"))
    end = models.DateField(_("end"))
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()
    # Set on the instances by networks.selectors.governance.body_detail_context (not a field).
    is_current: bool

    class Meta:
        ordering = ["body_id", "-start"]
        verbose_name = _("mandate")
        verbose_name_plural = _("mandates")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="mandate_ends_after_start"),
            models.UniqueConstraint(fields=["body", "start"], name="mandate_unique_start_per_body"),
        ]

    def __str__(self) -> str:
        return f"{self.body} {self.start.year}\N{EN DASH}{self.end.year}"


class Seat(TimeStampedModel):
    """A person's seat in a body for a mandate, representing an organization they are
    affiliated to, with its own term inside the mandate (a seat can be filled mid-term)."""

    class Role(models.TextChoices):
        CHAIR = "chair", _("Chair")
        SECRETARY = "secretary", _("Secretary")
        TREASURER = "treasurer", _("Treasurer")
        MEMBER = "member", _("Member")
        ALTERNATE = "alternate", _("Alternate")

    mandate = models.ForeignKey(Mandate, verbose_name=_("mandate"), on_delete=models.CASCADE, related_name="seats")
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="seats")
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization represented"), on_delete=models.PROTECT, related_name="seats"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    # The subregion the seat stands for (the workers' coordinating committee).
    subregion = models.CharField(_("subregion"), max_length=32, choices=Subregion.choices, blank=True)
    term_start = models.DateField(_("term start"))
    term_end = models.DateField(_("term end"))
    history = HistoricalRecords()
    # Set on the instances by networks.selectors.governance for the pages (not fields).
    is_current: bool
    ends_in_days: int | None

    class Meta:
        ordering = ["mandate_id", "role", "id"]
        verbose_name = _("seat")
        verbose_name_plural = _("seats")
        constraints = [
            # One person cannot hold two seats of the same body in the same mandate.
            models.UniqueConstraint(fields=["mandate", "person"], name="seat_one_per_person_and_mandate"),
            models.CheckConstraint(condition=Q(term_end__gt=F("term_start")), name="seat_term_ends_after_start"),
        ]
        indexes = [
            # Terms ending soon (flagged on the dashboard and in daily notifications).
            models.Index(fields=["term_end"], name="seat_term_end_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_role_display()} · {self.mandate}"
