"""Reads of communications and the access helpers, one module per topic."""

from communications.selectors.inquiries import (
    INQUIRY_HANDLERS,
    InquiryFilters,
    inquiries_home_context,
    inquiry_assignee_ids,
    inquiry_assignees,
    inquiry_get_for_user,
    inquiry_list,
    inquiry_message_get_for_user,
    inquiry_thread,
    user_can_handle_inquiries,
)
from communications.selectors.partners import (
    PARTNER_MANAGERS,
    api_key_get_for_user,
    external_partner_get_for_user,
    external_partner_list,
)

__all__ = [
    "INQUIRY_HANDLERS",
    "PARTNER_MANAGERS",
    "InquiryFilters",
    "api_key_get_for_user",
    "external_partner_get_for_user",
    "external_partner_list",
    "inquiries_home_context",
    "inquiry_assignee_ids",
    "inquiry_assignees",
    "inquiry_get_for_user",
    "inquiry_list",
    "inquiry_message_get_for_user",
    "inquiry_thread",
    "user_can_handle_inquiries",
]
