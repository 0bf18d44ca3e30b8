"""Funds, the chart of accounts and the journal: every financial event is a JournalEntry whose
lines sum to zero, in the entry's currency and in USD. Debits are positive amounts, credits
negative. Entries are never edited: a mistake is undone by a reversing entry
(finance.services.ledger), and the database refuses a change to a posted line."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clac.models import TimeStampedModel
from clac.strategic_lines import StrategicLine
from members.models import CURRENCY_VALIDATOR


class Fund(TimeStampedModel):
    """Where money belongs: CLAC's operating fund, the strengthening and solidarity funds for
    members, and one restricted fund per donor agreement whose money may only pay what it was
    given for. Fund balances come from the journal, never from a stored total."""

    class Kind(models.TextChoices):
        OPERATING = "operating", _("Operating fund")
        STRENGTHENING = "strengthening", _("Strengthening fund")
        SOLIDARITY = "solidarity", _("Solidarity fund")
        RESTRICTED = "restricted", _("Restricted donor fund")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("fund")
        verbose_name_plural = _("funds")

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        """The name in the reader's language when it is one of the chart's (finance/chart.py)."""
        return gettext(self.name)

    @property
    def is_restricted(self) -> bool:
        return self.kind == self.Kind.RESTRICTED


class Account(TimeStampedModel):
    """The chart of accounts. Income accounts carry an income category (the autonomy ratio
    separates own income from donor money by it); expense accounts carry the strategic line they
    serve (budget execution per line)."""

    class Type(models.TextChoices):
        ASSET = "asset", _("Asset")
        LIABILITY = "liability", _("Liability")
        NET_ASSETS = "net_assets", _("Net assets")
        INCOME = "income", _("Income")
        EXPENSE = "expense", _("Expense")

    class IncomeCategory(models.TextChoices):
        MEMBERSHIP_DUES = "membership_dues", _("Membership dues")
        FI_ALLOCATION = "fi_allocation", _("Fairtrade International allocation")
        DONOR_GRANTS = "donor_grants", _("Donor grants")
        SERVICES = "services", _("Services")
        OTHER = "other", _("Other income")

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    income_category = models.CharField(_("income category"), max_length=20, choices=IncomeCategory.choices, blank=True)
    strategic_line = models.CharField(_("strategic line"), max_length=20, choices=StrategicLine.choices, blank=True)
    active = models.BooleanField(_("active"), default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            # Only income accounts have an income category, and every income account has one:
            # the indicators classify income by it.
            models.CheckConstraint(
                condition=(Q(type="income") & ~Q(income_category="")) | (~Q(type="income") & Q(income_category="")),
                name="account_income_category_only_on_income",
            ),
            # A strategic line only on expense accounts (budget lines and execution per line).
            models.CheckConstraint(
                condition=Q(type="expense") | Q(strategic_line=""),
                name="account_strategic_line_only_on_expense",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.label}"

    @property
    def label(self) -> str:
        """The name in the reader's language when it is one of the chart's (finance/chart.py)."""
        return gettext(self.name)


class JournalEntry(models.Model):
    """One financial event. Written only by finance.services.ledger.journal_entry_post, which
    checks the balance; on PostgreSQL a deferred constraint trigger checks it again at commit,
    so no code path (raw SQL, admin, a future bulk job) can leave an unbalanced entry."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Manual entry")
        REVERSAL = "reversal", _("Reversal")
        GRANT = "grant", _("Grant")
        DUES = "dues", _("Membership dues")
        PAYMENT = "payment", _("Payment")
        SUPPORT = "support", _("Support to members")
        OTHER = "other", _("Other")

    date = models.DateField(_("date"))
    description = models.CharField(_("description"), max_length=300)
    currency = models.CharField(_("currency"), max_length=3, validators=[CURRENCY_VALIDATOR])
    # USD per unit used for every line (1 for USD): the entry's lines and their USD values agree.
    usd_rate = models.DecimalField(_("USD per unit"), max_digits=18, decimal_places=8)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.MANUAL)
    # What the entry records in another module ("finance.duesinvoice:12"), for links and
    # idempotency checks by the module that posts it.
    source_ref = models.CharField(_("source reference"), max_length=100, blank=True, db_index=True)
    reverses = models.OneToOneField(
        "self",
        verbose_name=_("reverses"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("posted by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("journal entry")
        verbose_name_plural = _("journal entries")
        indexes = [models.Index(fields=["date", "id"], name="journalentry_date_idx")]

    def __str__(self) -> str:
        return f"{self.date} {self.description}"


class JournalLine(models.Model):
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="lines")
    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="lines")
    fund = models.ForeignKey(Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="lines")
    # Debit positive, credit negative; in the entry's currency.
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    amount_usd = models.DecimalField(_("amount (USD)"), max_digits=18, decimal_places=2)
    memo = models.CharField(_("memo"), max_length=300, blank=True)
    # The member organization the line concerns (dues, support), for statements per member.
    organization = models.ForeignKey(
        "members.Organization",
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="journal_lines",
    )

    class Meta:
        ordering = ["entry", "id"]
        verbose_name = _("journal line")
        verbose_name_plural = _("journal lines")
        constraints = [
            # A zero line says nothing and would let a "balanced" entry move no money.
            models.CheckConstraint(condition=~Q(amount=0), name="journalline_amount_not_zero"),
            # A line's USD value has the sign of its amount (or rounds to zero for tiny amounts).
            models.CheckConstraint(
                condition=Q(amount__gt=0, amount_usd__gte=0) | Q(amount__lt=0, amount_usd__lte=0),
                name="journalline_usd_same_sign",
            ),
        ]
        indexes = [
            # Balances per fund and per account over a period.
            models.Index(fields=["fund", "account"], name="journalline_fund_account_idx"),
            models.Index(fields=["account", "fund"], name="journalline_account_fund_idx"),
            # The journal filtered by a fund or an account: its entries counted (and found) from
            # the index alone.
            models.Index(fields=["fund", "entry"], name="journalline_fund_entry_idx"),
            models.Index(fields=["account", "entry"], name="journalline_account_entry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.account.code} {self.amount}"
