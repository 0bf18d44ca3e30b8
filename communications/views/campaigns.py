"""Dashboard pages of campaigns: the list, a campaign's page (content per language as it will
read), the forms that create and edit a draft and write its content (with a server-side
preview), schedule, send now, take back to draft, cancel (after a confirmation page), send a
test to oneself, and the statistics page.

Administrators and communications staff manage campaigns; viewers read the list, the pages and
the statistics; other staff roles get 403 (communications.selectors.campaigns).

`urlpatterns` are mounted by communications/urls.py; `NAV` and `ACCESS` are gathered by
communications/plugin.py."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from clac.access import request_user, staff_required
from clac.forms import add_service_errors
from clac.plugins import ACCESS_STAFF_ROLES, HistoryModel, NavEntry
from communications.forms.campaigns import CampaignFilterForm, CampaignForm, ContentsForm, ScheduleForm, TestSendForm
from communications.models import Campaign
from communications.rendering import content_render
from communications.selectors import campaigns as selectors
from communications.selectors.audiences import RECIPIENT_CHANNELS
from communications.services import campaigns as services

PAGE_SIZE = 50
READERS = tuple(sorted(selectors.CAMPAIGN_READERS))
MANAGERS = tuple(sorted(selectors.CAMPAIGN_MANAGERS))


def _detail(campaign: Campaign) -> HttpResponse:
    return redirect("communications:campaign_detail", pk=campaign.pk)


def _audience_links(request: HttpRequest, campaign: Campaign) -> dict[str, str]:
    """Links to the audience's preview pages, for those who may open them (the audience pages
    are its managers'; a viewer sees the name only)."""
    if not selectors.campaign_can_change(request.user):
        return {}
    channel = campaign.channel if campaign.channel in RECIPIENT_CHANNELS else "email"
    people = reverse("communications:audience_people", kwargs={"pk": campaign.audience_id})
    detail = reverse("communications:audience_detail", kwargs={"pk": campaign.audience_id})
    return {
        "audience_url": f"{detail}?channel={channel}",
        "audience_people_url": f"{people}?channel={channel}",
    }


def _flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


@staff_required(*READERS)
def campaign_list(request: HttpRequest) -> HttpResponse:
    form = CampaignFilterForm(request.GET)
    status = 200
    if form.is_valid():
        campaigns = selectors.campaign_list(filters=form.filters())
    else:
        campaigns = Campaign.objects.none()
        status = 400
    page_obj = Paginator(campaigns, PAGE_SIZE).get_page(request.GET.get("page"))
    selectors.campaigns_with_counts(list(page_obj.object_list))
    return render(
        request,
        "communications/campaigns/list.html",
        {"filter_form": form, "page_obj": page_obj, "can_change": selectors.campaign_can_change(request.user)},
        status=status,
    )


@staff_required(*READERS)
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get_for_user(user=request.user, pk=pk)
    context = selectors.campaign_detail_context(campaign=campaign)
    return render(
        request,
        "communications/campaigns/detail.html",
        {**context, **_audience_links(request, campaign), "can_change": selectors.campaign_can_change(request.user)},
    )


@staff_required(*MANAGERS)
def campaign_create(request: HttpRequest) -> HttpResponse:
    form = CampaignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(actor=request_user(request), **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The campaign was created. Write its content now."))
            return redirect("communications:campaign_contents", pk=campaign.pk)
    return render(request, "communications/campaigns/form.html", {"form": form, "campaign": None})


@staff_required(*MANAGERS)
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get_for_user(user=request.user, pk=pk, for_change=True)
    if campaign.status != Campaign.Status.DRAFT:
        messages.error(
            request, _("Only a draft campaign can be changed; take it back to draft first if it is scheduled.")
        )
        return _detail(campaign)
    form = CampaignForm(request.POST or None, campaign=campaign)
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_update(actor=request_user(request), campaign=campaign, **form.service_fields())
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The changes were saved."))
            return _detail(campaign)
    return render(
        request,
        "communications/campaigns/form.html",
        {"form": form, "campaign": campaign, **_audience_links(request, campaign)},
    )


@staff_required(*MANAGERS)
def campaign_contents(request: HttpRequest, pk: int) -> HttpResponse:
    """Every language on one page. "Preview" renders what was typed without saving; "Save"
    writes it (the services refuse what does not fit the channel, every language at once)."""
    campaign = selectors.campaign_get_for_user(user=request.user, pk=pk, for_change=True)
    if campaign.status != Campaign.Status.DRAFT:
        messages.error(
            request, _("Only a draft campaign can be changed; take it back to draft first if it is scheduled.")
        )
        return _detail(campaign)
    contents = selectors.campaign_contents(campaign=campaign)
    form = ContentsForm(request.POST or None, campaign=campaign, contents=contents)
    previews: dict[str, dict[str, str]] = {}
    if request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "preview":
            for code, content in form.contents().items():
                if content.body_markdown.strip():
                    rendered = content_render(subject=content.subject, body_markdown=content.body_markdown)
                    previews[code] = {
                        "subject": rendered.subject,
                        "html": rendered.html,
                        "text": rendered.text,
                        "sms_warning": services.sms_warning(rendered.text)
                        if campaign.channel == Campaign.Channel.SMS
                        else "",
                    }
        else:
            try:
                services.campaign_contents_save(
                    actor=request_user(request), campaign=campaign, contents=form.contents()
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The content was saved."))
                return _detail(campaign)
    return render(
        request,
        "communications/campaigns/contents.html",
        {"form": form, "campaign": campaign, "sections": form.sections(), "previews": previews},
    )


@staff_required(*MANAGERS)
def campaign_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get_for_user(user=request.user, pk=pk, for_change=True)
    form = ScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        actor = request_user(request)
        try:
            if request.POST.get("action") == "send_now":
                services.campaign_send_now(actor=actor, campaign=campaign)
                messages.success(request, _("The campaign is being sent."))
            else:
                services.campaign_schedule(
                    actor=actor, campaign=campaign, scheduled_at=form.cleaned_data["scheduled_at"]
                )
                messages.success(request, _("The campaign was scheduled."))
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _detail(campaign)
    return render(request, "communications/campaigns/schedule.html", {"form": form, "campaign": campaign})


@require_POST
@staff_required(*MANAGERS)
def campaign_unschedule(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get_for_user(user=request.user, pk=pk, for_change=True)
    try:
        services.campaign_unschedule(actor=request_user(request), campaign=campaign)
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, _("The campaign is a draft again; it will not be sent until scheduled."))
    return _detail(campaign)


@require_http_methods(["GET", "POST"])
@staff_required(*MANAGERS)
def campaign_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: a confirmation page (what stops, what cannot be called back); POST: cancel."""
    campaign = selectors.campaign_get_for_user(user=request.user, pk=pk, for_change=True)
    cancellable = (Campaign.Status.DRAFT, Campaign.Status.SCHEDULED, Campaign.Status.SENDING)
    if campaign.status not in cancellable:
        messages.info(request, _("This campaign can no longer be cancelled."))
        return _detail(campaign)
    if request.method != "POST":
        return render(
            request,
            "communications/campaigns/cancel.html",
            {"campaign": campaign, "counts": selectors.campaign_counts(campaign=campaign)},
        )
    try:
        stopped = services.campaign_cancel(actor=request_user(request), campaign=campaign)
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(
            request, _("The campaign was cancelled; %(count)d queued messages will not be sent.") % {"count": stopped}
        )
    return _detail(campaign)


@staff_required(*MANAGERS)
def campaign_test_send(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get_for_user(user=request.user, pk=pk, for_change=True)
    if campaign.channel == Campaign.Channel.PORTAL:
        messages.info(request, _("A portal announcement has no test send: its page shows how it reads."))
        return _detail(campaign)
    contents = selectors.campaign_contents(campaign=campaign)
    languages = [(code, content.get_language_display()) for code, content in contents.items()]
    if not languages:
        messages.error(request, _("Write the content first."))
        return redirect("communications:campaign_contents", pk=campaign.pk)
    user = request_user(request)
    form = TestSendForm(
        request.POST or None, campaign=campaign, languages=languages, initial={"language": user.language or ""}
    )
    if request.method == "POST" and form.is_valid():
        address = user.email if campaign.channel == Campaign.Channel.EMAIL else form.cleaned_data["address"]
        try:
            services.campaign_send_test(
                actor=user, campaign=campaign, language=form.cleaned_data["language"], address=address
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The test was sent to %(address)s.") % {"address": address})
            return _detail(campaign)
    return render(
        request,
        "communications/campaigns/test_send.html",
        {"form": form, "campaign": campaign, "own_email": user.email},
    )


@staff_required(*READERS)
def campaign_statistics(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = selectors.campaign_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "communications/campaigns/statistics.html",
        {
            "campaign": campaign,
            "stats": selectors.campaign_statistics(campaign=campaign),
            **_audience_links(request, campaign),
        },
    )


NAV: tuple[NavEntry, ...] = (
    NavEntry(gettext_lazy("Campaigns"), "communications:campaign_list", frozenset(READERS), icon="reports", order=60),
)
HISTORY: tuple[HistoryModel, ...] = (
    HistoryModel("campaign", "communications.Campaign", roles=frozenset(READERS)),
    HistoryModel("campaigncontent", "communications.CampaignContent", roles=frozenset(READERS)),
)
urlpatterns = [
    path("campaigns/", campaign_list, name="campaign_list"),
    path("campaigns/new/", campaign_create, name="campaign_create"),
    path("campaigns/<int:pk>/", campaign_detail, name="campaign_detail"),
    path("campaigns/<int:pk>/edit/", campaign_edit, name="campaign_edit"),
    path("campaigns/<int:pk>/content/", campaign_contents, name="campaign_contents"),
    path("campaigns/<int:pk>/schedule/", campaign_schedule, name="campaign_schedule"),
    path("campaigns/<int:pk>/unschedule/", campaign_unschedule, name="campaign_unschedule"),
    path("campaigns/<int:pk>/cancel/", campaign_cancel, name="campaign_cancel"),
    path("campaigns/<int:pk>/test/", campaign_test_send, name="campaign_test_send"),
    path("campaigns/<int:pk>/statistics/", campaign_statistics, name="campaign_statistics"),
]
ACCESS: dict[str, str] = {f"communications:{p.name}": ACCESS_STAFF_ROLES for p in urlpatterns}
