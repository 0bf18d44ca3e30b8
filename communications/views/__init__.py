"""Dashboard pages of communications, one module per topic."""

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
    "partner_create",
    "partner_detail",
    "partner_list",
]
