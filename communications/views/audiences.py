"""Dashboard pages of audiences (communications staff and administrators): the list, create and
edit the rules, and the live preview (counts by skip reason, a sample of 20, the people behind
each reason), and a person's contact status on each channel."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from clac.access import request_user, staff_required
from clac.forms import add_service_errors
from clac.pagination import ReversiblePaginator
from communications.forms.audiences import AudienceForm, PreviewChannelForm
from communications.models import Audience, ExternalPartner, Message
from communications.selectors.audiences import (
    AUDIENCE_MANAGERS,
    audience_get_for_user,
    audience_list,
    audience_people,
    audience_preview,
    audience_sample,
)
from communications.selectors.suppressions import person_contact_status
from communications.services.audiences import audience_create, audience_update
from members.models import Affiliation, Membership, Organization

AUDIENCES_PER_PAGE = 50
PEOPLE_PER_PAGE = 50


def _labels(codes: list[str], choices) -> str:
    names = dict(choices)
    return ", ".join(str(names.get(code, code)) for code in codes)


def _rules(audience: Audience) -> list[tuple[str, str]]:
    """The audience's rules as (rule, values) in the reader's language; "" = any."""
    if audience.scope == Audience.Scope.EXTERNAL:
        return [(_("Partner kinds"), _labels(audience.partner_kinds, ExternalPartner.Kind.choices))]
    rules = [
        (_("Organization kinds"), _labels(audience.organization_kinds, Organization.Kind.choices)),
        (_("Countries"), ", ".join(str(c.name) for c in audience.countries.all())),
        (_("Networks"), ", ".join(n.name for n in audience.networks.all())),
        (_("Products"), ", ".join(str(p.name) for p in audience.products.all())),
        (_("Membership statuses"), _labels(audience.membership_statuses, Membership.Status.choices)),
        (_("Roles"), _labels(audience.affiliation_roles, Affiliation.Role.choices)),
        (_("Languages"), _labels(audience.languages, settings.LANGUAGES)),
    ]
    if audience.primary_contacts_only:
        rules.append((_("Primary contacts only"), _("Yes")))
    return rules


def _channel(request: HttpRequest) -> str:
    form = PreviewChannelForm(request.GET)
    return (form.cleaned_data.get("channel") if form.is_valid() else "") or "email"


@staff_required(*AUDIENCE_MANAGERS)
def audiences_list(request: HttpRequest) -> HttpResponse:
    page_obj = ReversiblePaginator(audience_list(), AUDIENCES_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "communications/audiences/audience_list.html", {"page_obj": page_obj})


@staff_required(*AUDIENCE_MANAGERS)
def audience_new(request: HttpRequest) -> HttpResponse:
    form = AudienceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            audience = audience_create(actor=request_user(request), **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Audience %(name)s created.") % {"name": audience.name})
            return redirect("communications:audience_detail", pk=audience.pk)
    return render(request, "communications/audiences/audience_form.html", {"form": form})


@staff_required(*AUDIENCE_MANAGERS)
def audience_edit(request: HttpRequest, pk: int) -> HttpResponse:
    audience = audience_get_for_user(user=request.user, pk=pk)
    form = AudienceForm(request.POST or None, initial=AudienceForm.initial_for(audience))
    if request.method == "POST" and form.is_valid():
        try:
            audience_update(actor=request_user(request), audience=audience, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Audience saved."))
            return redirect("communications:audience_detail", pk=audience.pk)
    return render(request, "communications/audiences/audience_form.html", {"form": form, "audience": audience})


@staff_required(*AUDIENCE_MANAGERS)
def audience_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The rules and the live preview on a channel: counted now, never stored."""
    audience = audience_get_for_user(user=request.user, pk=pk)
    channel = _channel(request)
    preview = audience_preview(audience=audience, channel=channel)
    labels = dict(Message.SkipReason.choices)
    skipped = [
        {"reason": reason, "label": labels.get(reason, reason), "count": count}
        for reason, count in sorted(preview["skipped"].items(), key=lambda item: -item[1])
    ]
    return render(
        request,
        "communications/audiences/audience_detail.html",
        {
            "audience": audience,
            "rules": _rules(audience),
            "channel": channel,
            "channel_form": PreviewChannelForm(initial={"channel": channel}),
            "preview": preview,
            "skipped": skipped,
            "sample": audience_sample(audience=audience, channel=channel, limit=20),
            "is_external": audience.scope == Audience.Scope.EXTERNAL,
        },
    )


@staff_required(*AUDIENCE_MANAGERS)
def audience_people_list(request: HttpRequest, pk: int) -> HttpResponse:
    """Everyone the audience reaches on a channel, or only those skipped for one reason."""
    audience = audience_get_for_user(user=request.user, pk=pk)
    channel = _channel(request)
    reason = request.GET.get("reason")
    labels = dict(Message.SkipReason.choices)
    if reason is not None and reason not in labels:
        reason = None
    rows = audience_people(audience=audience, channel=channel, skip_reason=reason).values(
        "person_id", "partner_contact_id", "address", "language", "skip_reason", "display_name", "organization"
    )
    page_obj = ReversiblePaginator(rows, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    language_names = dict(settings.LANGUAGES)
    for row in page_obj.object_list:
        row["skip_label"] = labels.get(row["skip_reason"], "") if row["skip_reason"] else ""
        row["language_name"] = language_names.get(row["language"], row["language"])
    return render(
        request,
        "communications/audiences/audience_people.html",
        {
            "audience": audience,
            "channel": channel,
            "reason": reason,
            "reason_label": labels.get(reason, "") if reason else "",
            "page_obj": page_obj,
            "is_external": audience.scope == Audience.Scope.EXTERNAL,
        },
    )


@staff_required(*AUDIENCE_MANAGERS)
def person_contact_status_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Why a person is (not) reached: per channel the address, consent and suppression."""
    status = person_contact_status(user=request.user, pk=pk)
    return render(request, "communications/audiences/person_contact_status.html", status)
