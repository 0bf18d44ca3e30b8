"""Shared by the inquiries tests: a submitted inquiry, a valid contact form post, and the row
counts that show nothing was written."""

import time
from typing import Any

from communications.models import Inquiry, InquiryMessage
from communications.services import inquiry_submit
from communications.services.inquiries import contact_form_token


def make_inquiry(**fields: Any) -> Inquiry:
    data: dict[str, Any] = {
        "category": Inquiry.Category.MEMBERSHIP,
        "language": "es",
        "name": "Rosa Quispe",
        "email": "rosa@example.org",
        "message": "¿Cómo nos hacemos miembros?",
        "consent": True,
    }
    data.update(fields)
    return inquiry_submit(**data)


def contact_post(**overrides: Any) -> dict[str, Any]:
    """A contact form post a person would send (the form shown 30 seconds earlier)."""
    data: dict[str, Any] = {
        "category": "certification",
        "message": "Queremos saber cómo certificarnos.",
        "name": "Ana Souza",
        "organization": "Cooperativa Boa Vista",
        "country": "BR",
        "email": "ana.souza@example.org",
        "phone": "+55 31 99999-0000",
        "language": "pt-br",
        "consent": "on",
        "form_token": contact_form_token(issued_at=time.time() - 30),
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def counts() -> tuple[int, int]:
    return Inquiry.objects.count(), InquiryMessage.objects.count()
