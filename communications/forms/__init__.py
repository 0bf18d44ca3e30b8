"""Forms of communications, one module per topic."""

from communications.forms.partners import (
    ApiKeyForm,
    PartnerForm,
)

__all__ = [
    "ApiKeyForm",
    "PartnerForm",
]
