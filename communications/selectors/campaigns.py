"""Reads of campaigns: the list (with each campaign's message counts in one more query), a
campaign's page, its statistics from the outbox rows (every breakdown in one aggregate query,
whatever the number of messages), and the portal announcements a member organization sees.

Who reads: administrators and communications staff manage campaigns, the board's viewers read
them (read-only); every other staff role, portal users and partner keys are refused."""

from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Prefetch, Q, QuerySet, Value
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language

from clac.roles import StaffRole, user_has_any_role
from communications.models import AnnouncementRead, Audience, Campaign, CampaignContent, Message
from communications.selectors.audiences import RECIPIENT_CHANNELS, audience_organization_ids, audience_preview
from members.models import Country

# Managers write (communications.services.campaigns.CAMPAIGN_MANAGERS); viewers only read.
CAMPAIGN_MANAGERS = frozenset({StaffRole.ADMIN, StaffRole.COMMUNICATIONS})
CAMPAIGN_READERS = CAMPAIGN_MANAGERS | {StaffRole.VIEWER}
RECENT_FAILURES = 20

M = Message.Status
# One definition of each figure, used by every breakdown (overall, per language, per country).
FIGURES: dict[str, Q] = {
    "total": Q(),
    "queued": Q(status=M.QUEUED),
    "sent": Q(status__in=[M.SENT, M.DELIVERED, M.BOUNCED]),
    "delivered": Q(status=M.DELIVERED),
    "bounced": Q(status=M.BOUNCED),
    "failed": Q(status=M.FAILED),
    "suppressed": Q(status=M.SUPPRESSED),
    "cancelled": Q(status=M.CANCELLED),
    "opened": Q(opened_at__isnull=False),
    "clicked": Q(clicked_at__isnull=False),
    "unsubscribed": Q(unsubscribed_at__isnull=False),
}


def _figures() -> dict[str, Count]:
    return {name: Count("id", filter=condition) if condition else Count("id") for name, condition in FIGURES.items()}


def _empty_figures() -> dict[str, int]:
    return dict.fromkeys(FIGURES, 0)


def _rate(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _with_rates(row: dict[str, Any], campaign: Campaign) -> dict[str, Any]:
    """The figures of one breakdown row with their rates: delivered and bounced over sent,
    opened and clicked over delivered (only when counted), unsubscribed over delivered."""
    row["delivered_rate"] = _rate(row["delivered"], row["sent"])
    row["bounced_rate"] = _rate(row["bounced"], row["sent"])
    row["opened_rate"] = _rate(row["opened"], row["delivered"]) if campaign.track_opens else None
    row["clicked_rate"] = _rate(row["clicked"], row["delivered"]) if campaign.track_clicks else None
    row["unsubscribed_rate"] = _rate(row["unsubscribed"], row["delivered"] or row["sent"])
    return row


# --- Access -------------------------------------------------------------------------------------


def campaign_can_change(user) -> bool:
    return user_has_any_role(user, CAMPAIGN_MANAGERS)


def campaign_require_reader(user) -> None:
    if not user_has_any_role(user, CAMPAIGN_READERS):
        raise PermissionDenied


def campaign_get_for_user(*, user, pk: int, for_change: bool = False) -> Campaign:
    """A campaign for its readers (for_change: its managers); 403 for anyone else before a row
    is read, 404 for an unknown campaign."""
    if not user_has_any_role(user, CAMPAIGN_MANAGERS if for_change else CAMPAIGN_READERS):
        raise PermissionDenied
    campaign = Campaign.objects.select_related("audience", "created_by").filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign


# --- Lists ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CampaignFilters:
    status: str = ""
    channel: str = ""
    purpose: str = ""
    search: str = ""


def campaign_list(*, filters: CampaignFilters | None = None) -> QuerySet[Campaign]:
    """Campaigns, newest first, with their audience and author (one query per page)."""
    filters = filters or CampaignFilters()
    campaigns = Campaign.objects.select_related("audience", "created_by")
    if filters.status:
        campaigns = campaigns.filter(status=filters.status)
    if filters.channel:
        campaigns = campaigns.filter(channel=filters.channel)
    if filters.purpose:
        campaigns = campaigns.filter(purpose=filters.purpose)
    if filters.search:
        campaigns = campaigns.filter(name__icontains=filters.search)
    return campaigns.order_by("-created_at", "-id")


def campaign_message_counts(*, campaign_ids: list[int]) -> dict[int, dict[str, int]]:
    """The figures of several campaigns (a list page) in one grouped query."""
    rows = Message.objects.filter(campaign_id__in=campaign_ids).values("campaign_id").annotate(**_figures())
    counts = {campaign_id: _empty_figures() for campaign_id in campaign_ids}
    for row in rows:
        values: dict[str, Any] = dict(row)
        counts[values.pop("campaign_id")] = values
    return counts


def campaigns_with_counts(campaigns: list[Campaign]) -> list[Campaign]:
    """Attach `counts` to each campaign of a page: one query whatever their messages."""
    counts = campaign_message_counts(campaign_ids=[c.pk for c in campaigns])
    for campaign in campaigns:
        campaign.counts = counts[campaign.pk]  # type: ignore[attr-defined]
    return campaigns


# --- One campaign -----------------------------------------------------------------------------


def campaign_contents(*, campaign: Campaign) -> dict[str, CampaignContent]:
    """language code → content, in the order of settings.LANGUAGES."""
    contents = {c.language: c for c in CampaignContent.objects.filter(campaign=campaign)}
    return {code: contents[code] for code, _name in settings.LANGUAGES if code in contents}


@dataclass
class CampaignStatistics:
    overall: dict[str, Any]
    by_language: list[dict[str, Any]] = field(default_factory=list)
    by_country: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)
    failures: list[Message] = field(default_factory=list)
    # Portal announcements: how many portal users opened it (they have no messages).
    reads: int | None = None


def campaign_statistics(*, campaign: Campaign) -> CampaignStatistics:
    """The campaign's figures and rates overall, per language and per country, the recipients
    skipped by reason, and the latest failures: six queries whatever the number of messages."""
    messages = Message.objects.filter(campaign=campaign)
    overall = _with_rates(messages.aggregate(**_figures()), campaign)
    languages = dict(settings.LANGUAGES)
    by_language = [
        _with_rates({**row, "label": languages.get(row["language"], row["language"])}, campaign)
        for row in messages.values("language").annotate(**_figures()).order_by(F("total").desc(), "language")
    ]
    country_rows = list(
        messages.values("country_code").annotate(**_figures()).order_by(F("total").desc(), "country_code")
    )
    names = dict(
        Country.objects.filter(code__in=[r["country_code"] for r in country_rows if r["country_code"]]).values_list(
            "code", "name"
        )
    )
    by_country = [
        _with_rates({**row, "label": names.get(row["country_code"], row["country_code"]) or "—"}, campaign)
        for row in country_rows
    ]
    reasons = dict(Message.SkipReason.choices)
    skipped = [
        {
            "reason": row["skip_reason"],
            "label": reasons.get(row["skip_reason"], row["skip_reason"]),
            "count": row["count"],
        }
        for row in messages.filter(status=M.SUPPRESSED)
        .values("skip_reason")
        .annotate(count=Count("id"))
        .order_by("-count", "skip_reason")
    ]
    failures = list(
        messages.filter(status__in=[M.FAILED, M.BOUNCED])
        .select_related("person", "partner_contact")
        .order_by("-id")[:RECENT_FAILURES]
    )
    reads = (
        AnnouncementRead.objects.filter(campaign=campaign).count()
        if campaign.channel == Campaign.Channel.PORTAL
        else None
    )
    return CampaignStatistics(
        overall=overall,
        by_language=by_language,
        by_country=by_country,
        skipped=skipped,
        failures=failures,
        reads=reads,
    )


def campaign_counts(*, campaign: Campaign) -> dict[str, int]:
    """The campaign's message figures, in one aggregate query."""
    return Message.objects.filter(campaign=campaign).aggregate(**_figures())


def campaign_detail_context(*, campaign: Campaign) -> dict[str, Any]:
    contents = campaign_contents(campaign=campaign)
    counts = campaign_counts(campaign=campaign)
    # Who the audience reaches now, for a campaign not yet sent (resolved live, one query).
    preview = None
    if campaign.status in (Campaign.Status.DRAFT, Campaign.Status.SCHEDULED) and campaign.channel in RECIPIENT_CHANNELS:
        preview = audience_preview(audience=campaign.audience, channel=campaign.channel)
        reasons = dict(Message.SkipReason.choices)
        preview["skipped_rows"] = [(reasons.get(code, code), n) for code, n in sorted(preview["skipped"].items())]
    return {
        "campaign": campaign,
        "audience_preview": preview,
        "contents": contents,
        "missing_languages": [(code, name) for code, name in settings.LANGUAGES if code not in contents],
        "counts": counts,
        "history": list(
            Campaign.history.filter(id=campaign.pk).select_related("history_user").order_by("-history_date")[:10]
        ),
    }


# --- Portal announcements ---------------------------------------------------------------------


def _live_announcements() -> QuerySet[Campaign]:
    now = timezone.now()
    return Campaign.objects.filter(channel=Campaign.Channel.PORTAL, status=Campaign.Status.SENT).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now)
    )


def _audience_ids_reaching(*, organization_id: int, audience_ids: list[int]) -> set[int]:
    """Which of these audiences reach the organization: one query (a UNION of one small
    sub-select per audience), not one per audience."""
    if not audience_ids:
        return set()
    selects = [
        Audience.objects.filter(pk=audience.pk)
        .alias(organization=Value(organization_id, output_field=IntegerField()))
        .filter(organization__in=audience_organization_ids(audience=audience))
        .values_list("pk", flat=True)
        .order_by()
        for audience in Audience.objects.filter(pk__in=audience_ids).prefetch_related(
            "countries", "networks", "products"
        )
    ]
    first, *rest = selects
    return set(first.union(*rest, all=True).order_by()) if rest else set(first)


def announcements_for_organization(*, organization_id: int) -> QuerySet[Campaign]:
    """The sent, unexpired portal announcements whose audience reaches the organization."""
    live = _live_announcements()
    audience_ids = list(live.order_by().values_list("audience_id", flat=True).distinct())
    reaching = _audience_ids_reaching(organization_id=organization_id, audience_ids=audience_ids)
    return live.filter(audience_id__in=reaching)


def _pick_content(campaign: Campaign, language: str) -> CampaignContent | None:
    """The user's language when the campaign has it, else the campaign's fallback."""
    contents = {c.language: c for c in campaign.contents.all()}
    return contents.get(language) or contents.get(campaign.fallback_language)


def _user_language(user) -> str:
    language = (getattr(user, "language", "") or get_language() or settings.LANGUAGE_CODE).lower()
    return language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def portal_announcements(*, user, organization_id: int) -> list[Campaign]:
    """The organization's announcements, newest first, each with `content` (in the user's
    language or the fallback) and `is_read` for this user."""
    language = _user_language(user)
    campaigns: list[Campaign] = list(
        announcements_for_organization(organization_id=organization_id)
        .annotate(is_read=Exists(AnnouncementRead.objects.filter(campaign=OuterRef("pk"), user=user)))
        .prefetch_related(Prefetch("contents", queryset=CampaignContent.objects.all()))
        .order_by("-sent_at", "-id")
    )
    for campaign in campaigns:
        campaign.content = _pick_content(campaign, language)  # type: ignore[attr-defined]
    return campaigns


def announcements_unread_count(*, user, organization_id: int) -> int:
    return (
        announcements_for_organization(organization_id=organization_id)
        .exclude(Exists(AnnouncementRead.objects.filter(campaign=OuterRef("pk"), user=user)))
        .count()
    )


def announcement_get_for_user(*, user, organization_id: int, pk: int) -> Campaign:
    """One announcement of the organization, with `content` in the user's language; 404 when it
    is not one the organization's portal shows (another organization's, expired, not sent)."""
    campaign = (
        announcements_for_organization(organization_id=organization_id)
        .prefetch_related("contents")
        .filter(pk=pk)
        .first()
    )
    if campaign is None:
        raise Http404
    campaign.content = _pick_content(campaign, _user_language(user))  # type: ignore[attr-defined]
    return campaign
