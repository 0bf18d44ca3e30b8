"""Writes of communications, one module per topic."""

from communications.services.inquiries import (
    inquiries_anonymize_expired,
    inquiry_acknowledge,
    inquiry_assign,
    inquiry_close,
    inquiry_note_add,
    inquiry_reopen,
    inquiry_reply,
    inquiry_reply_retry,
    inquiry_reply_send,
    inquiry_submit,
)
from communications.services.partners import (
    api_key_create,
    api_key_revoke,
    external_partner_create,
)

__all__ = [
    "api_key_create",
    "api_key_revoke",
    "external_partner_create",
    "inquiries_anonymize_expired",
    "inquiry_acknowledge",
    "inquiry_assign",
    "inquiry_close",
    "inquiry_note_add",
    "inquiry_reopen",
    "inquiry_reply",
    "inquiry_reply_retry",
    "inquiry_reply_send",
    "inquiry_submit",
]
