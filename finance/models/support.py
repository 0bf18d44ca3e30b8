"""Support funds to members: funding calls (a budget from one fund, eligibility, open and close
dates, scoring criteria) → applications from member organizations (requested amount, plan,
budget lines, attachments) → scores by staff reviewers → a decision within the call's budget →
disbursement tranches posted to the ledger → the organization's final report.

Amounts decided and paid are USD (the call's budget is USD). An application may be requested in
another currency: its USD value is fixed at submission with finance.money (ADR support-budget-cap).
Writes go through finance.services.support only."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import FileExtensionValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clac.models import TimeStampedModel
from members.models import CURRENCY_VALIDATOR

# Attachments: documents and pictures people really send, 10 MB at most (checked by the service).
ATTACHMENT_EXTENSIONS = ("pdf", "doc", "docx", "xls", "xlsx", "odt", "ods", "jpg", "jpeg", "png")
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


class FundingCall(TimeStampedModel):
    """A call for applications to a support fund. Empty eligibility lists mean "any"."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")
        DECIDED = "decided", _("Decided")

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    fund = models.ForeignKey("finance.Fund", verbose_name=_("fund"), on_delete=models.PROTECT, related_name="calls")
    budget = models.DecimalField(
        _("budget (USD)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    # Organization kinds (members.Organization.Kind), country codes, product networks
    # (members.ProductNetwork) and membership statuses (members.Membership.Status); empty = any.
    eligible_kinds = models.JSONField(_("eligible kinds"), default=list, blank=True)
    eligible_countries = models.JSONField(_("eligible countries"), default=list, blank=True)
    eligible_product_networks = models.JSONField(_("eligible product networks"), default=list, blank=True)
    eligible_membership_statuses = models.JSONField(_("eligible membership statuses"), default=list, blank=True)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-opens_on", "-id"]
        verbose_name = _("funding call")
        verbose_name_plural = _("funding calls")
        constraints = [
            # A call closes after it opens (a zero-length window would accept nothing).
            models.CheckConstraint(condition=Q(closes_on__gte=models.F("opens_on")), name="fundingcall_dates_order"),
            models.CheckConstraint(condition=Q(budget__gt=0), name="fundingcall_budget_positive"),
        ]

    def __str__(self) -> str:
        return self.title


class ScoringCriterion(models.Model):
    call = models.ForeignKey(FundingCall, on_delete=models.CASCADE, related_name="criteria")
    name = models.CharField(_("criterion"), max_length=200)
    weight = models.DecimalField(
        _("weight"), max_digits=5, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    max_score = models.PositiveSmallIntegerField(_("maximum score"), default=5)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("scoring criterion")
        verbose_name_plural = _("scoring criteria")
        constraints = [
            # A weight of zero or a maximum of zero would divide the weighted total by nothing.
            models.CheckConstraint(condition=Q(weight__gt=0) & Q(max_score__gt=0), name="criterion_weight_max_positive")
        ]

    def __str__(self) -> str:
        return self.name


class SupportApplication(TimeStampedModel):
    """An organization's application to a call; one per organization and call."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Submitted")
        UNDER_REVIEW = "under_review", _("Under review")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    call = models.ForeignKey(FundingCall, verbose_name=_("call"), on_delete=models.PROTECT, related_name="applications")
    organization = models.ForeignKey(
        "members.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="support_applications",
    )
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(_("currency"), max_length=3, default="USD", validators=[CURRENCY_VALIDATOR])
    requested_amount = models.DecimalField(_("requested amount"), max_digits=14, decimal_places=2)
    # USD value of the requested amount at the submission date (at the draft's date before).
    requested_usd = models.DecimalField(_("requested amount (USD)"), max_digits=14, decimal_places=2)
    plan = models.TextField(_("plan"))
    approved_usd = models.DecimalField(
        _("approved amount (USD)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    decision_reason = models.TextField(_("decision reason"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("support application")
        verbose_name_plural = _("support applications")
        constraints = [
            # One application per organization and call: a second one would split the review.
            models.UniqueConstraint(fields=["call", "organization"], name="supportapplication_one_per_call"),
            # An approved amount only on approved applications, never above the request.
            models.CheckConstraint(
                condition=(
                    Q(status="approved") & Q(approved_usd__gt=0) & Q(approved_usd__lte=models.F("requested_usd"))
                )
                | (~Q(status="approved") & Q(approved_usd__isnull=True)),
                name="supportapplication_approved_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} — {self.call}"


class ApplicationBudgetLine(models.Model):
    application = models.ForeignKey(SupportApplication, on_delete=models.CASCADE, related_name="budget_lines")
    description = models.CharField(_("description"), max_length=300)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["id"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")

    def __str__(self) -> str:
        return self.description


class ApplicationAttachment(models.Model):
    application = models.ForeignKey(SupportApplication, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(
        _("file"),
        upload_to="support/applications/%Y/",
        validators=[FileExtensionValidator(list(ATTACHMENT_EXTENSIONS))],
    )
    name = models.CharField(_("name"), max_length=200)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


class Score(models.Model):
    """One reviewer's score on one criterion of one application (0..the criterion's maximum)."""

    application = models.ForeignKey(SupportApplication, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(ScoringCriterion, on_delete=models.CASCADE, related_name="scores")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    score = models.PositiveSmallIntegerField(_("score"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        constraints = [
            # A reviewer changes their score; they do not add a second one.
            models.UniqueConstraint(fields=["application", "criterion", "reviewer"], name="score_one_per_reviewer")
        ]

    def __str__(self) -> str:
        return f"{self.criterion_id}: {self.score}"


class Disbursement(TimeStampedModel):
    """A disbursement of an approved application, in USD; paying it posts the journal entry."""

    application = models.ForeignKey(SupportApplication, on_delete=models.PROTECT, related_name="tranches")
    amount = models.DecimalField(_("amount (USD)"), max_digits=14, decimal_places=2)
    planned_on = models.DateField(_("planned date"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    journal_entry = models.OneToOneField(
        "finance.JournalEntry",
        verbose_name=_("journal entry"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["planned_on", "id"]
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="disbursement_amount_positive"),
            # Paid means posted: a paid date without its entry would be money the books never saw.
            models.CheckConstraint(
                condition=Q(paid_on__isnull=True, journal_entry__isnull=True)
                | Q(paid_on__isnull=False, journal_entry__isnull=False),
                name="disbursement_paid_is_posted",
            ),
        ]


class FinalReport(TimeStampedModel):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        ACCEPTED = "accepted", _("Accepted")

    application = models.OneToOneField(SupportApplication, on_delete=models.CASCADE, related_name="final_report")
    text = models.TextField(_("report"))
    attachment = models.FileField(
        _("attachment"),
        upload_to="support/reports/%Y/",
        blank=True,
        validators=[FileExtensionValidator(list(ATTACHMENT_EXTENSIONS))],
    )
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED)
    submitted_on = models.DateField(_("submitted on"))
    staff_comment = models.TextField(_("staff comment"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("final report")
        verbose_name_plural = _("final reports")
