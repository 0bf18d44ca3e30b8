"""Dashboard pages of communications, one module per topic."""

from communications.views.inquiries import (
    contact,
    contact_thanks,
    inquiry_assign,
    inquiry_close,
    inquiry_detail,
    inquiry_list,
    inquiry_note,
    inquiry_reopen,
    inquiry_reply,
    inquiry_reply_retry,
)
from communications.views.partners import (
    PARTNERS_PER_PAGE,
    api_key_new,
    api_key_revoke_view,
    partner_create,
    partner_detail,
    partner_list,
)

__all__ = [
    "PARTNERS_PER_PAGE",
    "api_key_new",
    "api_key_revoke_view",
    "contact",
    "contact_thanks",
    "inquiry_assign",
    "inquiry_close",
    "inquiry_detail",
    "inquiry_list",
    "inquiry_note",
    "inquiry_reopen",
    "inquiry_reply",
    "inquiry_reply_retry",
    "partner_create",
    "partner_detail",
    "partner_list",
]
