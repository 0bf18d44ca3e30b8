"""Logging filters, importable while settings load (no models)."""

import logging


class SkipForbiddenFilter(logging.Filter):
    """On django.request: drops the 403 records (with their traceback, printed twice under
    DEBUG), because clac.auth.views.permission_denied logs each refusal itself, once, on one
    line with the user and the path."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "status_code", None) != 403
