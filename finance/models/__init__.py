"""Finance data, one module per topic; imported here so Django finds every model."""

from finance.models.budgets import Budget, BudgetLine
from finance.models.donors import Donor, GrantAgreement, ReportingDeadline, Tranche
from finance.models.ledger import Account, Fund, JournalEntry, JournalLine

__all__ = [
    "Account",
    "Budget",
    "BudgetLine",
    "Donor",
    "Fund",
    "GrantAgreement",
    "JournalEntry",
    "JournalLine",
    "ReportingDeadline",
    "Tranche",
]
