"""Communications data, one module per topic; imported here so Django finds every model."""

from communications.models.audiences import Audience, Suppression
from communications.models.campaigns import AnnouncementRead, Campaign, CampaignContent, Message
from communications.models.inquiries import (
    Inquiry,
    InquiryMessage,
)
from communications.models.partners import ApiKey, ExternalPartner, PartnerContact

__all__ = [
    "AnnouncementRead",
    "ApiKey",
    "Audience",
    "Campaign",
    "CampaignContent",
    "ExternalPartner",
    "Inquiry",
    "InquiryMessage",
    "Message",
    "PartnerContact",
    "Suppression",
]
