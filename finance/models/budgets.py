"""Yearly budgets: one per year, with an amount in USD per expense account (each expense
account serves one strategic line, so the budget is also per strategic line). The actuals are
never stored: budget vs actual reads the journal (finance.selectors.budgets)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from clac.models import TimeStampedModel
from finance.models.ledger import Account


class Budget(TimeStampedModel):
    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")

    def __str__(self) -> str:
        return self.title


class BudgetLine(TimeStampedModel):
    budget = models.ForeignKey(Budget, verbose_name=_("budget"), on_delete=models.CASCADE, related_name="lines")
    account = models.ForeignKey(Account, verbose_name=_("account"), on_delete=models.PROTECT, related_name="+")
    amount_usd = models.DecimalField(_("amount (USD)"), max_digits=18, decimal_places=2)
    history = HistoricalRecords()

    class Meta:
        ordering = ["account__code"]
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        constraints = [
            # One amount per account and year: changing it edits the line (with its history).
            models.UniqueConstraint(fields=["budget", "account"], name="budgetline_one_per_account"),
            models.CheckConstraint(condition=Q(amount_usd__gte=0), name="budgetline_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.budget.year} {self.account.code}"
