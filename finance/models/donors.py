"""Donors and their grant agreements: the agreed amount in the donor's currency over a period,
whether the money is restricted (then the agreement gets its own restricted Fund, created by
finance.services.donors, and names the strategic lines it may pay for), the tranches expected
and received (receiving one posts the entry: debit bank, credit donor grants income in the
agreement's fund) and the reports owed to the donor with their due dates."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clac.models import TimeStampedModel
from finance.models.ledger import Fund, JournalEntry
from members.models import CURRENCY_VALIDATOR


class Donor(TimeStampedModel):
    class Kind(models.TextChoices):
        COOPERATION = "cooperation", _("International cooperation agency")
        FOUNDATION = "foundation", _("Foundation")
        FAIRTRADE = "fairtrade", _("Fairtrade system organization")
        COMPANY = "company", _("Company")
        OTHER = "other", _("Other donor")

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.COOPERATION)
    country = models.CharField(_("country"), max_length=2, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("donor")
        verbose_name_plural = _("donors")

    def __str__(self) -> str:
        return self.name


class GrantAgreement(TimeStampedModel):
    donor = models.ForeignKey(Donor, verbose_name=_("donor"), on_delete=models.PROTECT, related_name="agreements")
    title = models.CharField(_("title"), max_length=200)
    reference = models.CharField(_("donor's reference"), max_length=100, blank=True)
    currency = models.CharField(_("currency"), max_length=3, validators=[CURRENCY_VALIDATOR])
    amount = models.DecimalField(_("agreed amount"), max_digits=18, decimal_places=2)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    restricted = models.BooleanField(_("restricted"), default=False)
    # Strategic line codes (clac.strategic_lines) the restricted money may pay for; a JSON list
    # so SQLite (the demo) stores it too.
    strategic_lines = models.JSONField(_("strategic lines"), default=list, blank=True)
    restrictions = models.TextField(_("restrictions"), blank=True)
    # The agreement's own restricted fund, or the operating fund for unrestricted money.
    fund = models.ForeignKey(Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="agreements")
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date", "title"]
        verbose_name = _("grant agreement")
        verbose_name_plural = _("grant agreements")
        constraints = [
            # An agreement promises money over a real period.
            models.CheckConstraint(condition=Q(amount__gt=0), name="grantagreement_amount_positive"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="grantagreement_period_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.donor.name}: {self.title}"


class Tranche(TimeStampedModel):
    """A payment the agreement schedules; once received, what arrived (amount and currency may
    differ from the plan) and the journal entry that recorded it."""

    agreement = models.ForeignKey(
        GrantAgreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="tranches"
    )
    expected_date = models.DateField(_("expected date"))
    expected_amount = models.DecimalField(_("expected amount"), max_digits=18, decimal_places=2)
    received_date = models.DateField(_("received date"), null=True, blank=True)
    received_amount = models.DecimalField(_("received amount"), max_digits=18, decimal_places=2, null=True, blank=True)
    received_currency = models.CharField(
        _("received currency"), max_length=3, blank=True, validators=[CURRENCY_VALIDATOR]
    )
    entry = models.OneToOneField(
        JournalEntry,
        verbose_name=_("journal entry"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="tranche",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["expected_date", "id"]
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        constraints = [
            models.CheckConstraint(condition=Q(expected_amount__gt=0), name="tranche_expected_positive"),
            # Received means all of: date, positive amount, currency and the posted entry.
            models.CheckConstraint(
                condition=Q(received_date__isnull=True, received_amount__isnull=True, entry__isnull=True)
                | Q(received_date__isnull=False, received_amount__gt=0, entry__isnull=False),
                name="tranche_received_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.agreement.title} {self.expected_date}"

    @property
    def is_received(self) -> bool:
        return self.received_date is not None


class ReportingDeadline(TimeStampedModel):
    """A report owed to the donor. Flagged on the dashboard and e-mailed to finance staff
    REPORTING_REMINDER_DAYS before it is due, until it is marked submitted."""

    agreement = models.ForeignKey(
        GrantAgreement, verbose_name=_("agreement"), on_delete=models.PROTECT, related_name="deadlines"
    )
    title = models.CharField(_("title"), max_length=200)
    due_date = models.DateField(_("due date"))
    submitted_on = models.DateField(_("submitted on"), null=True, blank=True)
    # The day the reminder e-mail went out: the daily task sends one reminder per deadline.
    reminded_on = models.DateField(_("reminded on"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("reporting deadline")
        verbose_name_plural = _("reporting deadlines")

    def __str__(self) -> str:
        return self.title
