"""Forms of the campaign pages. They parse input; the rules live in
communications.services.campaigns (content lengths, what scheduling needs, the status machine)."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from clac.strategic_lines import StrategicLine
from communications.models import Audience, Campaign, CampaignContent
from communications.selectors.campaigns import CampaignFilters
from communications.services.campaigns import ContentInput


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class CampaignFilterForm(forms.Form):
    search = forms.CharField(label=_("Name"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Campaign.Status.choices], required=False
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("Any channel")), *Campaign.Channel.choices], required=False
    )
    purpose = forms.ChoiceField(
        label=_("Strategic line"), choices=[("", _("Any line")), *StrategicLine.choices], required=False
    )

    def filters(self) -> CampaignFilters:
        data = self.cleaned_data
        return CampaignFilters(
            status=data.get("status") or "",
            channel=data.get("channel") or "",
            purpose=data.get("purpose") or "",
            search=(data.get("search") or "").strip(),
        )


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    purpose = forms.ChoiceField(label=_("Strategic line"), choices=StrategicLine.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Campaign.Channel.choices, widget=forms.RadioSelect)
    audience = forms.ModelChoiceField(
        label=_("Audience"),
        queryset=Audience.objects.order_by("name"),
        help_text=_("Who receives it. The audience's page shows how many people it reaches and who is skipped."),
    )
    fallback_language = forms.ChoiceField(
        label=_("Fallback language"),
        choices=settings.LANGUAGES,
        initial="es",
        help_text=_("Recipients whose language has no content get this one."),
    )
    track_opens = forms.BooleanField(label=_("Count opens (email only)"), required=False)
    track_clicks = forms.BooleanField(label=_("Count clicks on links (email only)"), required=False)
    expires_at = forms.DateTimeField(
        label=_("Shown until (portal announcements)"),
        widget=DateTimeLocalInput(),
        input_formats=DATETIME_INPUT_FORMATS,
        required=False,
        help_text=_("Empty: the announcement stays in the portal."),
    )

    def __init__(self, *args: Any, campaign: Campaign | None = None, **kwargs: Any) -> None:
        if campaign is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": campaign.name,
                    "purpose": campaign.purpose,
                    "channel": campaign.channel,
                    "audience": campaign.audience_id,
                    "fallback_language": campaign.fallback_language,
                    "track_opens": campaign.track_opens,
                    "track_clicks": campaign.track_clicks,
                    "expires_at": timezone.localtime(campaign.expires_at) if campaign.expires_at else None,
                },
            )
        super().__init__(*args, **kwargs)

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ContentsForm(forms.Form):
    """The campaign's text in every language at once: `<language>-subject` and
    `<language>-body_markdown` fields, one section per language on the page."""

    def __init__(self, *args: Any, campaign: Campaign, contents: dict[str, CampaignContent], **kwargs: Any) -> None:
        initial = {}
        for language, content in contents.items():
            initial[f"{language}-subject"] = content.subject
            initial[f"{language}-body_markdown"] = content.body_markdown
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.campaign = campaign
        self.languages = list(settings.LANGUAGES)
        for code, _name in self.languages:
            if campaign.channel == Campaign.Channel.EMAIL:
                self.fields[f"{code}-subject"] = forms.CharField(label=_("Subject"), max_length=200, required=False)
            elif campaign.channel == Campaign.Channel.PORTAL:
                self.fields[f"{code}-subject"] = forms.CharField(label=_("Title"), max_length=200, required=False)
            self.fields[f"{code}-body_markdown"] = forms.CharField(
                label=_("Text"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 10}),
                help_text=_("Markdown: # heading, - list item, **bold**, [link](https://…). HTML is not allowed."),
            )

    def sections(self) -> list[dict[str, Any]]:
        """One section per language with its bound fields, for the template."""
        return [
            {
                "code": code,
                "name": name,
                "subject": self[f"{code}-subject"] if f"{code}-subject" in self.fields else None,
                "body": self[f"{code}-body_markdown"],
            }
            for code, name in self.languages
        ]

    def contents(self) -> dict[str, ContentInput]:
        data = self.cleaned_data
        return {
            code: ContentInput(
                subject=data.get(f"{code}-subject") or "", body_markdown=data.get(f"{code}-body_markdown") or ""
            )
            for code, _name in self.languages
        }


class ScheduleForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        label=_("Send on"),
        widget=DateTimeLocalInput(),
        input_formats=DATETIME_INPUT_FORMATS,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scheduled_at"].help_text = gettext("Date and time in %(zone)s.") % {"zone": settings.TIME_ZONE}


class TestSendForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=settings.LANGUAGES)
    address = forms.CharField(
        label=_("Phone number"),
        max_length=30,
        required=False,
        help_text=_("Your own mobile number in international form, e.g. +51987654321."),
    )

    def __init__(self, *args: Any, campaign: Campaign, languages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        language = self.fields["language"]
        assert isinstance(language, forms.ChoiceField)
        language.choices = languages
        if campaign.channel == Campaign.Channel.EMAIL:
            # The test goes to the staff member's own address, never a typed one.
            del self.fields["address"]
