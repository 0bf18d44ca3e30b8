"""One error body for every API error (400, 401, 403, 404, 405, 429, …):

    {"error": {"code": "not_authenticated", "message": "...", "details": {...}}}

`details` is always there, an empty object when there is nothing more to say: field errors of a
400 (field name → messages, `non_field_errors` for the rest) or the seconds to wait of a 429. Services raise Django's
ValidationError with field-keyed messages; they arrive here as 400s."""

import math
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from clac.auth.security_log import Kind, security_event


def _validation_details(exc: DjangoValidationError) -> dict[str, list[str]]:
    if not hasattr(exc, "error_dict"):
        return {api_settings.NON_FIELD_ERRORS_KEY: list(exc.messages)}
    return {
        (api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field): messages
        for field, messages in exc.message_dict.items()
    }


def error_body(code: str, message: str, details: Any = None) -> dict[str, dict[str, Any]]:
    return {"error": {"code": code, "message": message, "details": details if details is not None else {}}}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_validation_details(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        # Not an API error (a bug): let Django answer 500 and log it.
        return None

    details: Any = None
    if isinstance(exc, exceptions.ValidationError):
        code, message = "invalid", _("Some of the data sent is not valid.")
        details = (
            response.data if isinstance(response.data, dict) else {api_settings.NON_FIELD_ERRORS_KEY: response.data}
        )
    else:
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else None
        code = codes if isinstance(codes, str) else getattr(exc, "default_code", "error")
        detail = getattr(exc, "detail", None)
        message = str(detail) if detail is not None else str(exc)
        wait = getattr(exc, "wait", None) if isinstance(exc, exceptions.Throttled) else None
        if wait is not None:
            details = {"retry_after": math.ceil(wait)}
    response.data = error_body(code, message, details)
    if response.status_code == 403:
        # One line in the security log (Django's own 403 log line is dropped, see LOGGING).
        request = context.get("request")
        security_event(Kind.PERMISSION_DENIED, request=getattr(request, "_request", None), detail="api")
    return response
