"""Reviews of a product's costs, prices or standard (DESIGN §1, §4 "networks"): a review moves
through its stages with a dated, attributed event per move and documents per stage; its
consultation rounds invite member organizations, which answer structured cost questions in
the portal; the network's position and the final decision become price references.

Models hold data and single-row rules; every write goes through networks.services.reviews,
every read through networks.selectors.reviews (which also aggregates the answers)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clac.models import TimeStampedModel
from members.models import Organization, Product, Unit
from networks.models.core import Network

__all__ = [
    "ConsultationInvitation",
    "ConsultationResponse",
    "ConsultationRound",
    "PriceReference",
    "Review",
    "ReviewDocument",
    "ReviewEvent",
]

# The cost categories of the questionnaire, in the order the forms and exports show them.
COST_CATEGORIES = ("labour", "inputs", "certification", "processing", "transport", "administration")


class Review(TimeStampedModel):
    """A cost-of-production study, a minimum price and premium review or a standard review of
    one product, led by the product's network."""

    class Kind(models.TextChoices):
        COST_STUDY = "cost_study", _("Cost-of-production study")
        PRICE = "price", _("Minimum price and premium review")
        STANDARD = "standard", _("Standard review")

    class Stage(models.TextChoices):
        PLANNING = "planning", _("Planning")
        CONSULTATION = "consultation", _("Consultation")
        ANALYSIS = "analysis", _("Analysis")
        PROPOSAL = "proposal", _("Proposal")
        DECIDED = "decided", _("Decided")
        PUBLISHED = "published", _("Published")

    product = models.ForeignKey(Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="reviews")
    # The product network that leads the review (its coordinators manage it).
    network = models.ForeignKey(Network, verbose_name=_("network"), on_delete=models.PROTECT, related_name="reviews")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    stage = models.CharField(_("stage"), max_length=12, choices=Stage.choices, default=Stage.PLANNING)
    stage_since = models.DateField(_("in this stage since"))
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
        ordering = ["-stage_since", "-id"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        indexes = [
            # The lists (dashboard, API) are ordered by the date of the last move.
            models.Index(fields=["stage_since", "id"], name="review_stage_since_idx"),
            models.Index(fields=["product", "stage_since"], name="review_product_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def stage_badge(self) -> str:
        return {
            "planning": "draft",
            "consultation": "running",
            "analysis": "pending",
            "proposal": "submitted",
            "decided": "approved",
            "published": "succeeded",
        }[self.stage]


class ReviewEvent(models.Model):
    """A move of a review from one stage to another: when (the date it took effect, and when it
    was recorded), who, and why. The first event (from_stage empty) records the creation."""

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="events")
    from_stage = models.CharField(_("from stage"), max_length=12, choices=Review.Stage.choices, blank=True)
    to_stage = models.CharField(_("to stage"), max_length=12, choices=Review.Stage.choices)
    effective_on = models.DateField(_("date"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.SET_NULL, null=True, blank=True
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["review_id", "effective_on", "id"]
        verbose_name = _("review event")
        verbose_name_plural = _("review events")

    def __str__(self) -> str:
        return f"{self.review_id}: {self.from_stage or '-'} → {self.to_stage} ({self.effective_on})"


def review_document_path(instance: "ReviewDocument", filename: str) -> str:
    return f"reviews/{instance.review_id}/{filename}"


class ReviewDocument(TimeStampedModel):
    """A file of a review (terms of reference, cost study, proposal, decision…), filed under
    the stage it belongs to."""

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="documents")
    stage = models.CharField(_("stage"), max_length=12, choices=Review.Stage.choices)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=review_document_path, max_length=300)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.SET_NULL, null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["review_id", "stage", "-created_at", "id"]
        verbose_name = _("review document")
        verbose_name_plural = _("review documents")

    def __str__(self) -> str:
        return self.title


class ConsultationRound(TimeStampedModel):
    """A round of consultation of a review: open from `opens_on` to `closes_on` (both days
    included, in the project's time zone), with the structured cost questions every round asks
    and the open questions of this round."""

    review = models.ForeignKey(Review, verbose_name=_("review"), on_delete=models.CASCADE, related_name="rounds")
    title = models.CharField(_("title"), max_length=200)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    # The open questions of this round, in order (answers are stored by position).
    open_questions = models.JSONField(_("open questions"), default=list, blank=True)
    reminder_days = models.PositiveSmallIntegerField(
        _("reminder days before closing"),
        default=7,
        help_text=_("Invited organizations that have not answered get one reminder this many days before closing."),
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["review_id", "opens_on", "id"]
        verbose_name = _("consultation round")
        verbose_name_plural = _("consultation rounds")
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")), name="round_closes_after_opening"),
        ]
        indexes = [
            # The daily reminder run and the portal read the rounds closing soon.
            models.Index(fields=["closes_on"], name="round_closes_on_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class ConsultationInvitation(models.Model):
    """An organization invited to answer a round. `reminded_at` is set when its one reminder
    went out, so the daily run never sends a second one. Not audited: written in bulk by the
    invitation service (one INSERT … SELECT), and the row itself says who invited and when."""

    round = models.ForeignKey(
        ConsultationRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="invitations"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="consultation_invitations",
    )
    invited_at = models.DateTimeField(_("invited at"))
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("invited by"), on_delete=models.SET_NULL, null=True, blank=True
    )
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)

    class Meta:
        ordering = ["round_id", "organization_id"]
        verbose_name = _("consultation invitation")
        verbose_name_plural = _("consultation invitations")
        constraints = [
            # Inviting twice changes nothing (the service inserts with ON CONFLICT DO NOTHING).
            models.UniqueConstraint(fields=["round", "organization"], name="invitation_one_per_round_and_org"),
        ]
        indexes = [
            # The portal lists an organization's invitations.
            models.Index(fields=["organization", "round"], name="invitation_org_round_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} @ {self.round_id}"


class ConsultationResponse(TimeStampedModel):
    """One organization's answer to a round: cost per unit of the product (in `currency`, per
    the product's unit of trade) by category, yield, hectares, labour days, the volume that
    weighs it in the results, and the answers to the open questions. A draft can be changed
    until it is submitted, before the round closes.

    Confidential: only the organization itself and the staff who manage the review read it;
    everyone else sees aggregated figures only (networks.selectors.reviews). Not audited with
    simple_history: the demo and the query-count tests insert thousands; `submitted_at`,
    `submitted_by` and `updated_by` say who did what."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")

    round = models.ForeignKey(
        ConsultationRound, verbose_name=_("round"), on_delete=models.CASCADE, related_name="responses"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="consultation_responses",
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    cost_labour = models.DecimalField(_("labour"), max_digits=14, decimal_places=4, null=True, blank=True)
    cost_inputs = models.DecimalField(_("inputs"), max_digits=14, decimal_places=4, null=True, blank=True)
    cost_certification = models.DecimalField(_("certification"), max_digits=14, decimal_places=4, null=True, blank=True)
    cost_processing = models.DecimalField(_("processing"), max_digits=14, decimal_places=4, null=True, blank=True)
    cost_transport = models.DecimalField(_("transport"), max_digits=14, decimal_places=4, null=True, blank=True)
    cost_administration = models.DecimalField(
        _("administration"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    # The sum of the categories, kept by the service so the aggregation reads one column.
    cost_total = models.DecimalField(_("total cost per unit"), max_digits=15, decimal_places=4, null=True, blank=True)
    yield_per_hectare = models.DecimalField(
        _("yield per hectare"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    hectares = models.DecimalField(_("hectares"), max_digits=12, decimal_places=2, null=True, blank=True)
    labour_days = models.DecimalField(
        _("labour days per hectare"), max_digits=10, decimal_places=1, null=True, blank=True
    )
    volume = models.DecimalField(
        _("volume produced"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("In the product's unit of trade; weighs the answer in the results."),
    )
    open_answers = models.JSONField(_("answers to the open questions"), default=list, blank=True)
    comments = models.TextField(_("comments"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("last changed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["round_id", "organization_id"]
        verbose_name = _("consultation answer")
        verbose_name_plural = _("consultation answers")
        constraints = [
            # One answer per organization and round: the draft becomes the submission.
            models.UniqueConstraint(fields=["round", "organization"], name="response_one_per_round_and_org"),
            # A submitted answer says when, and has the figures the results need.
            models.CheckConstraint(
                condition=Q(status="draft")
                | (Q(submitted_at__isnull=False) & Q(cost_total__isnull=False) & ~Q(currency="")),
                name="response_submitted_complete",
            ),
            models.CheckConstraint(condition=Q(volume__isnull=True) | Q(volume__gt=0), name="response_volume_positive"),
        ]
        indexes = [
            # The aggregation reads a round's submitted answers.
            models.Index(fields=["round", "status"], name="response_round_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} @ {self.round_id} ({self.status})"


class PriceReference(TimeStampedModel):
    """A minimum price and premium for a product from a date: the network's position during a
    review, or the decision (Fairtrade's Standards Committee) that applies from
    `effective_from`. The decisions of a product, by date, are its price history."""

    class Kind(models.TextChoices):
        POSITION = "position", _("Network's position")
        DECISION = "decision", _("Decision")

    class Incoterm(models.TextChoices):
        FOB = "FOB", "FOB"
        FCA = "FCA", "FCA"
        EXW = "EXW", "EXW"
        CIF = "CIF", "CIF"
        DAP = "DAP", "DAP"

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="price_references"
    )
    review = models.ForeignKey(
        Review,
        verbose_name=_("review"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="price_references",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DECISION)
    minimum_price = models.DecimalField(_("minimum price"), max_digits=12, decimal_places=4)
    premium = models.DecimalField(_("Fairtrade premium"), max_digits=12, decimal_places=4)
    organic_differential = models.DecimalField(
        _("organic differential"), max_digits=12, decimal_places=4, null=True, blank=True
    )
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    incoterm = models.CharField(_("incoterm"), max_length=3, choices=Incoterm.choices, default=Incoterm.FOB)
    effective_from = models.DateField(_("effective from"))
    notes = models.CharField(_("notes"), max_length=300, blank=True)
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
        ordering = ["product_id", "-effective_from", "id"]
        verbose_name = _("price reference")
        verbose_name_plural = _("price references")
        constraints = [
            models.CheckConstraint(condition=Q(minimum_price__gt=0), name="price_reference_minimum_positive"),
            models.CheckConstraint(condition=Q(premium__gte=0), name="price_reference_premium_not_negative"),
            # One decision per product and date: the history is a sequence, never two prices at once.
            models.UniqueConstraint(
                fields=["product", "effective_from"],
                condition=Q(kind="decision"),
                name="price_reference_one_decision_per_date",
            ),
        ]
        indexes = [
            # The history per product and the partner list filtered by product, newest first.
            models.Index(fields=["product", "kind", "effective_from"], name="price_ref_product_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.product_id} {self.minimum_price} {self.currency}/{self.unit} ({self.effective_from})"
