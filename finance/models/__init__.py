"""Finance data, one module per topic; imported here so Django finds every model."""

from finance.models.ledger import Account, Fund, JournalEntry, JournalLine
from finance.models.support import (
    ATTACHMENT_EXTENSIONS,
    ATTACHMENT_MAX_BYTES,
    ApplicationAttachment,
    BudgetLine,
    FinalReport,
    FundingCall,
    Score,
    ScoringCriterion,
    SupportApplication,
    Tranche,
)

__all__ = [
    "ATTACHMENT_EXTENSIONS",
    "ATTACHMENT_MAX_BYTES",
    "Account",
    "ApplicationAttachment",
    "BudgetLine",
    "FinalReport",
    "Fund",
    "FundingCall",
    "JournalEntry",
    "JournalLine",
    "Score",
    "ScoringCriterion",
    "SupportApplication",
    "Tranche",
]
