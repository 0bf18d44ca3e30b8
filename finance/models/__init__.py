"""Finance data, one module per topic; imported here so Django finds every model."""

from finance.models.dues import DuesAdjustment, DuesAllocation, DuesInvoice, DuesPayment, DuesPolicy, DuesRule
from finance.models.ledger import Account, Fund, JournalEntry, JournalLine

__all__ = [
    "Account",
    "DuesAdjustment",
    "DuesAllocation",
    "DuesInvoice",
    "DuesPayment",
    "DuesPolicy",
    "DuesRule",
    "Fund",
    "JournalEntry",
    "JournalLine",
]
