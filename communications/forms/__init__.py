"""Forms of communications, one module per topic."""

from communications.forms.inquiries import (
    HONEYPOT_FIELD,
    ContactForm,
    InquiryAssignForm,
    InquiryCloseForm,
    InquiryFilterForm,
    InquiryNoteForm,
    InquiryReplyForm,
)
from communications.forms.partners import (
    ApiKeyForm,
    PartnerForm,
)

__all__ = [
    "HONEYPOT_FIELD",
    "ApiKeyForm",
    "ContactForm",
    "InquiryAssignForm",
    "InquiryCloseForm",
    "InquiryFilterForm",
    "InquiryNoteForm",
    "InquiryReplyForm",
    "PartnerForm",
]
