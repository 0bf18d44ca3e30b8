"""Finance data, one module per topic; imported here so Django finds every model."""

from finance.models.ledger import Account, Fund, JournalEntry, JournalLine

__all__ = ["Account", "Fund", "JournalEntry", "JournalLine"]
