"""Writes of communications, one module per topic."""

from communications.services.partners import (
    api_key_create,
    api_key_revoke,
    external_partner_create,
)

__all__ = [
    "api_key_create",
    "api_key_revoke",
    "external_partner_create",
]
