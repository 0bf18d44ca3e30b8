"""Assembly sessions (DESIGN §1, §4 "networks"): CLAC's General Assembly (every three years,
170 to 222 delegates chosen per country and per product) and the networks' own assemblies.

A session goes `preparing → designation_open → accreditation → in_session → closed`. Member
organizations name their delegates while designation is open; the delegates present are
accredited; the oversight committee certifies the quorum against the votes expected, which
opens the session; motions are voted and their tallies recorded; the record is then closed
and never changes again. Every rule lives in networks.services.assemblies; the models hold
the data and the single-row constraints."""

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from clac.models import TimeStampedModel
from members.models import Country, Organization, Person, ProductNetwork
from networks.models.core import Body

__all__ = ["AssemblySession", "Delegate", "Motion"]


class AssemblySession(TimeStampedModel):
    """One sitting of an assembly body (the General Assembly or a network's assembly)."""

    class Status(models.TextChoices):
        PREPARING = "preparing", _("Preparing")
        DESIGNATION_OPEN = "designation_open", _("Designation of delegates open")
        ACCREDITATION = "accreditation", _("Accreditation")
        IN_SESSION = "in_session", _("In session")
        CLOSED = "closed", _("Closed")

    # The bodies that hold assembly sessions.
    BODY_KINDS = (Body.Kind.GENERAL_ASSEMBLY, Body.Kind.NETWORK_ASSEMBLY)
    DEFAULT_QUORUM_PERCENT = Decimal("50.00")
    # Most organizations send one delegate; a second-tier union or a large cooperative may
    # send two. Staff may change it per session.
    DEFAULT_DELEGATES_PER_ORGANIZATION = 2

    body = models.ForeignKey(Body, verbose_name=_("body"), on_delete=models.PROTECT, related_name="assembly_sessions")
    title = models.CharField(_("title"), max_length=200)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PREPARING)
    quorum_percent = models.DecimalField(
        _("quorum (% of expected votes)"),
        max_digits=5,
        decimal_places=2,
        default=DEFAULT_QUORUM_PERCENT,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
    )
    # The votes entitled to sit: set by staff, or when designation closes from the delegates
    # designated then. The quorum is a share of it.
    expected_votes = models.PositiveIntegerField(_("expected votes"), null=True, blank=True)
    delegates_per_organization = models.PositiveSmallIntegerField(
        _("delegates per organization"),
        default=DEFAULT_DELEGATES_PER_ORGANIZATION,
        validators=[MinValueValidator(1)],
        help_text=_("How many delegates one organization may name."),
    )
    designation_opened_at = models.DateTimeField(_("designation opened"), null=True, blank=True)
    designation_closed_at = models.DateTimeField(_("designation closed"), null=True, blank=True)
    quorum_certified_at = models.DateTimeField(_("quorum certified"), null=True, blank=True)
    quorum_certified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("quorum certified by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # The accredited votes the certification was made on (the record keeps the figure).
    quorum_votes = models.PositiveIntegerField(_("votes present at certification"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()
    # Set on the instances by networks.selectors.assemblies and the API (not fields).
    quorum: dict[str, Any]
    organization_delegates: list["Delegate"]
    named_count: int

    class Meta:
        ordering = ["-starts_on", "-id"]
        verbose_name = _("assembly session")
        verbose_name_plural = _("assembly sessions")
        constraints = [
            models.CheckConstraint(condition=Q(ends_on__gte=F("starts_on")), name="assembly_ends_after_start"),
            models.CheckConstraint(
                condition=Q(quorum_percent__gt=0) & Q(quorum_percent__lte=100), name="assembly_quorum_percent_range"
            ),
            # A session sits only once its quorum is certified, and stays certified when closed.
            models.CheckConstraint(
                condition=~Q(status__in=["in_session", "closed"])
                | (Q(quorum_certified_at__isnull=False) & Q(quorum_votes__isnull=False)),
                name="assembly_sitting_needs_quorum",
            ),
            # A closed record says when it was closed.
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False), name="assembly_closed_has_date"
            ),
        ]
        indexes = [
            # Sessions of a body, latest first (the network page, the lists).
            models.Index(fields=["body", "-starts_on"], name="assembly_body_starts_idx"),
            # The portal looks for sessions open for designation.
            models.Index(fields=["status"], name="assembly_status_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED

    @property
    def status_badge(self) -> str:
        """The badge colour family of the status (the platform's badge styles)."""
        badges: dict[str, str] = {
            self.Status.PREPARING: "draft",
            self.Status.DESIGNATION_OPEN: "submitted",
            self.Status.ACCREDITATION: "pending",
            self.Status.IN_SESSION: "active",
            self.Status.CLOSED: "withdrawn",
        }
        return badges[self.status]


class Delegate(TimeStampedModel):
    """A person named by a member organization to sit and vote in a session, representing a
    country and/or a product network, with a number of votes."""

    class Status(models.TextChoices):
        DESIGNATED = "designated", _("Designated")
        ACCREDITED = "accredited", _("Accredited")
        WITHDRAWN = "withdrawn", pgettext_lazy("delegate status", "Withdrawn")

    session = models.ForeignKey(
        AssemblySession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="delegates"
    )
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="assembly_delegates"
    )
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.PROTECT, related_name="+")
    country = models.ForeignKey(
        Country,
        verbose_name=_("country represented"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    product_network = models.CharField(
        _("product represented"), max_length=20, choices=ProductNetwork.choices, blank=True, default=""
    )
    votes = models.PositiveSmallIntegerField(_("votes"), default=1, validators=[MinValueValidator(1)])
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DESIGNATED)
    designated_at = models.DateTimeField(_("designated"), null=True, blank=True)
    designated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("designated by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    accredited_at = models.DateTimeField(_("accredited"), null=True, blank=True)
    accredited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("accredited by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["session_id", "country_id", "product_network", "id"]
        verbose_name = _("delegate")
        verbose_name_plural = _("delegates")
        constraints = [
            # A person sits once per session, even for two organizations (one badge, one seat).
            models.UniqueConstraint(fields=["session", "person"], name="delegate_one_per_person_and_session"),
            models.CheckConstraint(condition=Q(votes__gte=1), name="delegate_has_a_vote"),
            # A delegate stands for a country, a product network, or both (DESIGN §1).
            models.CheckConstraint(
                condition=Q(country__isnull=False) | ~Q(product_network=""), name="delegate_represents_something"
            ),
            # Accreditation is dated: the quorum is certified on it.
            models.CheckConstraint(
                condition=~Q(status="accredited") | Q(accredited_at__isnull=False),
                name="delegate_accredited_has_date",
            ),
        ]
        indexes = [
            # Quorum figures and the organization's delegates in a session.
            models.Index(fields=["session", "status"], name="delegate_session_status_idx"),
            models.Index(fields=["organization", "session"], name="delegate_org_session_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} · {self.organization}"

    @property
    def status_badge(self) -> str:
        badges: dict[str, str] = {
            self.Status.DESIGNATED: "pending",
            self.Status.ACCREDITED: "active",
            self.Status.WITHDRAWN: "withdrawn",
        }
        return badges[self.status]


class Motion(TimeStampedModel):
    """A motion put to the vote, its tally (for / against / abstain) as recorded by the
    oversight committee, and the result.

    Votes cast are for + against; abstentions count toward the tally (no more votes than
    accredited) but not toward the majority. A simple majority carries when for > against; a
    two-thirds motion (statute reform) when for ≥ two thirds of the votes cast."""

    class Result(models.TextChoices):
        PENDING = "pending", _("Pending")
        CARRIED = "carried", pgettext_lazy("motion result", "Carried")
        REJECTED = "rejected", pgettext_lazy("motion result", "Rejected")
        WITHDRAWN = "withdrawn", pgettext_lazy("motion result", "Withdrawn")

    DECIDED_RESULTS = (Result.CARRIED, Result.REJECTED)

    session = models.ForeignKey(
        AssemblySession, verbose_name=_("session"), on_delete=models.CASCADE, related_name="motions"
    )
    number = models.PositiveSmallIntegerField(_("number"), validators=[MinValueValidator(1)])
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"), blank=True)
    requires_two_thirds = models.BooleanField(
        _("requires two thirds"), default=False, help_text=_("For statute reforms: two thirds of the votes cast.")
    )
    votes_for = models.PositiveIntegerField(_("for"), null=True, blank=True)
    votes_against = models.PositiveIntegerField(_("against"), null=True, blank=True)
    votes_abstain = models.PositiveIntegerField(_("abstain"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=Result.choices, default=Result.PENDING)
    recorded_at = models.DateTimeField(_("recorded"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["session_id", "number"]
        verbose_name = _("motion")
        verbose_name_plural = _("motions")
        constraints = [
            # Motions are called by their number in the minutes.
            models.UniqueConstraint(fields=["session", "number"], name="motion_unique_number_in_session"),
            # A tally is recorded whole or not at all.
            models.CheckConstraint(
                condition=(Q(votes_for__isnull=True) & Q(votes_against__isnull=True) & Q(votes_abstain__isnull=True))
                | (Q(votes_for__isnull=False) & Q(votes_against__isnull=False) & Q(votes_abstain__isnull=False)),
                name="motion_tally_whole",
            ),
            # A decided motion has its tally, and only a decided one.
            models.CheckConstraint(
                condition=(Q(result__in=["carried", "rejected"]) & Q(votes_for__isnull=False))
                | (~Q(result__in=["carried", "rejected"]) & Q(votes_for__isnull=True)),
                name="motion_decided_iff_tallied",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.title}"

    @property
    def result_badge(self) -> str:
        badges: dict[str, str] = {
            self.Result.PENDING: "pending",
            self.Result.CARRIED: "approved",
            self.Result.REJECTED: "rejected",
            self.Result.WITHDRAWN: "withdrawn",
        }
        return badges[self.result]

    @property
    def votes_cast(self) -> int | None:
        if self.votes_for is None or self.votes_against is None:
            return None
        return self.votes_for + self.votes_against
