"""Background work of communications, one module per topic: thin Celery wrappers around the
services. Imported here so Celery's autodiscovery (and ClacConfig) registers every task."""

from communications.tasks import inquiries, outbox

__all__ = ["inquiries", "outbox"]
