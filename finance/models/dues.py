"""Membership dues: a yearly DuesPolicy whose rules give each member organization its dues
(by organization kind, dues category, size band from the latest approved yearly report or
certified Fairtrade volume; clamped to a minimum and maximum), the invoices issued for a year,
payments received in any currency, their allocations to invoices, and waivers and write-offs.

Invoices are issued in USD. Every money movement is also a journal entry (finance.services.dues
posts through finance.services.ledger): the invoice, payment, credit and adjustment rows here
say what happened to whom; the ledger is where the money is counted."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clac.models import TimeStampedModel
from members.models import CURRENCY_VALIDATOR, Membership, Organization


class DuesPolicy(TimeStampedModel):
    """The dues of one year. Its rules can change only while the year has no invoice."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    due_date = models.DateField(_("due date"))
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("dues policy")
        verbose_name_plural = _("dues policies")

    def __str__(self) -> str:
        return str(self.year)


class DuesRule(TimeStampedModel):
    """One line of a policy; the first rule (lowest position) that matches an organization sets
    its dues: fixed amount + amount per unit of the basis (members or certified volume),
    then clamped to [minimum, maximum]. Blank conditions match every organization."""

    class Basis(models.TextChoices):
        NONE = "none", _("No size band")
        MEMBERS = "members", _("Members in the latest approved yearly report")
        VOLUME = "volume", _("Certified volume sold in the latest approved yearly report")

    policy = models.ForeignKey(DuesPolicy, verbose_name=_("policy"), on_delete=models.CASCADE, related_name="rules")
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    kind = models.CharField(_("organization kind"), max_length=8, choices=Organization.Kind.choices, blank=True)
    dues_category = models.CharField(
        _("dues category"), max_length=8, choices=Membership.DuesCategory.choices, blank=True
    )
    basis = models.CharField(_("size basis"), max_length=10, choices=Basis.choices, default=Basis.NONE)
    band_from = models.DecimalField(
        _("band from"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    band_to = models.DecimalField(
        _("band up to"), max_digits=14, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    amount = models.DecimalField(
        _("fixed amount (USD)"), max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    per_unit = models.DecimalField(
        _("amount per unit (USD)"), max_digits=14, decimal_places=4, default=0, validators=[MinValueValidator(0)]
    )
    minimum = models.DecimalField(
        _("minimum (USD)"), max_digits=14, decimal_places=2, default=0, validators=[MinValueValidator(0)]
    )
    maximum = models.DecimalField(_("maximum (USD)"), max_digits=14, decimal_places=2, null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["policy", "position", "id"]
        verbose_name = _("dues rule")
        verbose_name_plural = _("dues rules")
        constraints = [
            # A band needs a basis to be measured on, and must not be inverted.
            models.CheckConstraint(
                condition=Q(band_to__isnull=True) | Q(band_from__isnull=True) | Q(band_to__gte=F("band_from")),
                name="dues_rule_band_ordered",
            ),
            # A maximum below the minimum would make the clamp meaningless.
            models.CheckConstraint(
                condition=Q(maximum__isnull=True) | Q(maximum__gte=F("minimum")), name="dues_rule_max_over_min"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy} #{self.position}"


class DuesInvoice(TimeStampedModel):
    """The dues of one organization for one year, in USD. `paid` and `adjusted` are kept by the
    services under a row lock (allocations and adjustments are the detail); the balance is
    amount - paid - adjusted."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        PARTIAL = "partial", _("Partly paid")
        PAID = "paid", _("Paid")
        CLOSED = "closed", _("Waived or written off")

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="dues_invoices"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("number"), max_length=20, unique=True)
    issued_on = models.DateField(_("issued on"))
    due_on = models.DateField(_("due on"))
    amount = models.DecimalField(_("amount (USD)"), max_digits=14, decimal_places=2)
    paid = models.DecimalField(_("paid (USD)"), max_digits=14, decimal_places=2, default=0)
    adjusted = models.DecimalField(_("waived or written off (USD)"), max_digits=14, decimal_places=2, default=0)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    # What the amount was computed from, shown on the invoice ("members: 420").
    basis_note = models.CharField(_("basis"), max_length=200, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "sequence"]
        verbose_name = _("dues invoice")
        verbose_name_plural = _("dues invoices")
        constraints = [
            # The job's idempotency: one invoice per organization and year, whoever runs it twice.
            models.UniqueConstraint(fields=["organization", "year"], name="dues_invoice_one_per_org_year"),
            # Numbers are sequential per year without duplicates.
            models.UniqueConstraint(fields=["year", "sequence"], name="dues_invoice_sequence_per_year"),
            # Nothing is ever paid or adjusted beyond the amount (overpayment goes to credit).
            models.CheckConstraint(
                condition=Q(amount__gt=0)
                & Q(paid__gte=0)
                & Q(adjusted__gte=0)
                & Q(amount__gte=F("paid") + F("adjusted")),
                name="dues_invoice_settled_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_on"], name="dues_invoice_status_due_idx"),
            models.Index(fields=["organization", "due_on"], name="dues_invoice_org_due_idx"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def balance(self):
        return self.amount - self.paid - self.adjusted


class DuesPayment(TimeStampedModel):
    """Money received from an organization, as received (amount, currency) and in USD at the
    payment date (members.ExchangeRate). `credit` is the USD part left unallocated at receipt:
    the organization's credit, used later for its next invoices."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="dues_payments"
    )
    received_on = models.DateField(_("received on"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, validators=[CURRENCY_VALIDATOR])
    usd_rate = models.DecimalField(_("USD per unit"), max_digits=18, decimal_places=8)
    amount_usd = models.DecimalField(_("amount (USD)"), max_digits=14, decimal_places=2)
    credit = models.DecimalField(_("kept as credit (USD)"), max_digits=14, decimal_places=2, default=0)
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("dues payment")
        verbose_name_plural = _("dues payments")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(amount_usd__gt=0) & Q(credit__gte=0) & Q(credit__lte=F("amount_usd")),
                name="dues_payment_positive_credit_within",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} · {self.amount} {self.currency}"

    @property
    def allocated(self):
        """USD applied to invoices; a payment is allocated only when it is recorded."""
        return self.amount_usd - self.credit


class DuesAllocation(models.Model):
    """USD of a payment (or of the organization's credit, payment empty) applied to an invoice.
    Written once, never changed: the journal entry it posted is the record."""

    invoice = models.ForeignKey(
        DuesInvoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="allocations"
    )
    payment = models.ForeignKey(
        DuesPayment,
        verbose_name=_("payment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="allocations",
    )
    amount = models.DecimalField(_("amount (USD)"), max_digits=14, decimal_places=2)
    created_at = models.DateTimeField(_("applied at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("dues allocation")
        verbose_name_plural = _("dues allocations")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="dues_allocation_positive")]

    def __str__(self) -> str:
        return f"{self.invoice_id} · {self.amount}"

    @property
    def from_credit(self) -> bool:
        return self.payment_id is None


class DuesAdjustment(models.Model):
    """A waiver (CLAC forgives dues) or a write-off (dues given up as uncollectable), with the
    reason; both post debit 5800 / credit 1200."""

    class Kind(models.TextChoices):
        WAIVER = "waiver", _("Waiver")
        WRITE_OFF = "write_off", _("Write-off")

    invoice = models.ForeignKey(
        DuesInvoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="adjustments"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    amount = models.DecimalField(_("amount (USD)"), max_digits=14, decimal_places=2)
    reason = models.TextField(_("reason"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("dues adjustment")
        verbose_name_plural = _("dues adjustments")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="dues_adjustment_positive")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.amount}"
