"""API of campaigns, for CLAC staff only: the campaigns list and one campaign with its
statistics (overall, per language, per country, skipped by reason). Administrators,
communications staff and viewers read (the dashboard's readers); other staff roles, portal
users and partner keys get 403 — a campaign's audience and failures are personal data.
Campaigns are written in the dashboard; the API does not change them.

`register(router)` adds the viewset, `ACCESS` names its routes (clac.plugins.ACCESS_API)."""

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from clac.api.pagination import DefaultCursorPagination
from clac.api.permissions import request_is_partner
from clac.api.views import ClacGenericViewSet
from clac.plugins import ACCESS_API
from clac.roles import user_has_any_role
from clac.strategic_lines import StrategicLine
from communications.models import Campaign, Message
from communications.selectors import campaigns as selectors
from members.api.common import AccessHelperMixin


class CampaignReaders(BasePermission):
    """Administrators, communications staff and viewers, reading; nobody else."""

    message = _("Only administrators, communications staff and viewers can read campaigns.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        if request_is_partner(request) or request.method not in SAFE_METHODS:
            return False
        return user_has_any_role(request.user, selectors.CAMPAIGN_READERS)


class CampaignCursorPagination(DefaultCursorPagination):
    max_page_size = 200
    ordering = ("-created_at", "-id")


class CampaignRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CampaignFiguresSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Message rows (recipients).")
    queued = serializers.IntegerField()
    sent = serializers.IntegerField(help_text="Handed to the provider (sent, delivered or bounced).")
    delivered = serializers.IntegerField()
    bounced = serializers.IntegerField()
    failed = serializers.IntegerField()
    suppressed = serializers.IntegerField(help_text="Not sent: no consent, no address or a suppressed address.")
    cancelled = serializers.IntegerField()
    opened = serializers.IntegerField()
    clicked = serializers.IntegerField()
    unsubscribed = serializers.IntegerField()


class RatesSerializer(CampaignFiguresSerializer):
    delivered_rate = serializers.FloatField(allow_null=True, help_text="Delivered ÷ sent, in %.")
    bounced_rate = serializers.FloatField(allow_null=True, help_text="Bounced ÷ sent, in %.")
    opened_rate = serializers.FloatField(allow_null=True, help_text="Opened ÷ delivered, in %; null when not counted.")
    clicked_rate = serializers.FloatField(
        allow_null=True, help_text="Clicked ÷ delivered, in %; null when not counted."
    )
    unsubscribed_rate = serializers.FloatField(allow_null=True)


class LanguageRowSerializer(RatesSerializer):
    language = serializers.CharField()


class CountryRowSerializer(RatesSerializer):
    country_code = serializers.CharField(help_text="ISO code; empty when unknown.")


class SkippedRowSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=Message.SkipReason.choices)
    count = serializers.IntegerField()


class StatisticsSerializer(serializers.Serializer):
    overall = RatesSerializer()
    by_language = LanguageRowSerializer(many=True)
    by_country = CountryRowSerializer(many=True)
    skipped = SkippedRowSerializer(many=True)


class CampaignOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    purpose = serializers.ChoiceField(choices=StrategicLine.choices)
    channel = serializers.ChoiceField(choices=Campaign.Channel.choices)
    audience = CampaignRefSerializer()
    fallback_language = serializers.CharField()
    status = serializers.ChoiceField(choices=Campaign.Status.choices)
    scheduled_at = serializers.DateTimeField(allow_null=True)
    sent_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField(allow_null=True)
    track_opens = serializers.BooleanField()
    track_clicks = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    counts = CampaignFiguresSerializer(help_text="Message counts of the campaign.")


class ContentSerializer(serializers.Serializer):
    language = serializers.CharField()
    subject = serializers.CharField()
    body_markdown = serializers.CharField()
    body_html = serializers.CharField(help_text="Sanitized HTML rendered from the Markdown.")


class CampaignDetailSerializer(CampaignOutputSerializer):
    contents = ContentSerializer(many=True, source="contents_list")
    statistics = StatisticsSerializer()


class CampaignFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Campaign.Status.choices)
    channel = django_filters.ChoiceFilter(choices=Campaign.Channel.choices)
    purpose = django_filters.ChoiceFilter(choices=StrategicLine.choices)

    class Meta:
        model = Campaign
        fields: list[str] = []


@extend_schema(tags=["staff: campaigns"])
class CampaignViewSet(AccessHelperMixin[Campaign], ClacGenericViewSet):
    """Campaigns with their message counts; one campaign with its content and statistics."""

    permission_classes = [CampaignReaders]
    serializer_class = CampaignOutputSerializer
    filterset_class = CampaignFilter
    pagination_class = CampaignCursorPagination
    queryset = Campaign.objects.none()
    access_helper = staticmethod(selectors.campaign_get_for_user)

    def get_queryset(self) -> QuerySet:
        return selectors.campaign_list()

    @extend_schema(summary="List campaigns")
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        selectors.campaigns_with_counts(page)
        return self.get_paginated_response(CampaignOutputSerializer(page, many=True).data)

    @extend_schema(summary="One campaign, with its content and statistics", responses=CampaignDetailSerializer)
    def retrieve(self, request: Request, pk: str) -> Response:
        campaign = self.get_object()
        stats = selectors.campaign_statistics(campaign=campaign)
        campaign.counts = {k: stats.overall[k] for k in selectors.FIGURES}  # type: ignore[attr-defined]
        campaign.statistics = {  # type: ignore[attr-defined]
            "overall": stats.overall,
            "by_language": stats.by_language,
            "by_country": stats.by_country,
            "skipped": stats.skipped,
        }
        campaign.contents_list = list(selectors.campaign_contents(campaign=campaign).values())  # type: ignore[attr-defined]
        data = CampaignDetailSerializer(campaign).data
        return Response(data)


def register(router: SimpleRouter) -> None:
    router.register("campaigns", CampaignViewSet, basename="campaign")


urlpatterns: list = []
ACCESS: dict[str, str] = {f"api-v1:{name}": ACCESS_API for name in ("campaign-list", "campaign-detail")}
