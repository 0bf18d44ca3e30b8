"""Finance data, one module per topic; imported here so Django finds every model."""

from finance.models.budgets import Budget, BudgetLine
from finance.models.donors import Donor, GrantAgreement, ReportingDeadline, Tranche
from finance.models.dues import DuesAdjustment, DuesAllocation, DuesInvoice, DuesPayment, DuesPolicy, DuesRule
from finance.models.ledger import Account, Fund, JournalEntry, JournalLine
from finance.models.support import (
    ATTACHMENT_EXTENSIONS,
    ATTACHMENT_MAX_BYTES,
    ApplicationAttachment,
    ApplicationBudgetLine,
    Disbursement,
    FinalReport,
    FundingCall,
    Score,
    ScoringCriterion,
    SupportApplication,
)

__all__ = [
    "ATTACHMENT_EXTENSIONS",
    "ATTACHMENT_MAX_BYTES",
    "Account",
    "ApplicationAttachment",
    "ApplicationBudgetLine",
    "Budget",
    "BudgetLine",
    "Disbursement",
    "Donor",
    "DuesAdjustment",
    "DuesAllocation",
    "DuesInvoice",
    "DuesPayment",
    "DuesPolicy",
    "DuesRule",
    "FinalReport",
    "Fund",
    "FundingCall",
    "GrantAgreement",
    "JournalEntry",
    "JournalLine",
    "ReportingDeadline",
    "Score",
    "ScoringCriterion",
    "SupportApplication",
    "Tranche",
]
