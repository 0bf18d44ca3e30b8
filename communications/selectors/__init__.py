"""Reads of communications and the access helpers, one module per topic."""

from communications.selectors.partners import (
    PARTNER_MANAGERS,
    api_key_get_for_user,
    external_partner_get_for_user,
    external_partner_list,
)

__all__ = [
    "PARTNER_MANAGERS",
    "api_key_get_for_user",
    "external_partner_get_for_user",
    "external_partner_list",
]
