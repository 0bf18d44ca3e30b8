"""Communications data, one module per topic; imported here so Django finds every model."""

from communications.models.inquiries import (
    Inquiry,
    InquiryMessage,
)
from communications.models.partners import (
    ApiKey,
    ExternalPartner,
)

__all__ = [
    "ApiKey",
    "ExternalPartner",
    "Inquiry",
    "InquiryMessage",
]
