"""Forms of the meetings pages. They parse input; the rules live in networks.services.meetings."""

from typing import Any

from django import forms
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from clac.models import User
from clac.roles import STAFF_ROLES
from members.models import Person
from networks.models import Body, FollowUpAction, Meeting, Network
from networks.selectors.meetings import MeetingFilters


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


DATETIME_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class MeetingFilterForm(forms.Form):
    WHEN_CHOICES = [("", _("All dates")), ("upcoming", _("Upcoming")), ("past", _("Past"))]

    network = forms.ModelChoiceField(
        label=_("Network"), queryset=Network.objects.order_by("name"), required=False, empty_label=_("All networks")
    )
    body = forms.ModelChoiceField(
        label=_("Body"),
        queryset=Body.objects.order_by("name"),
        required=False,
        empty_label=_("All bodies"),
    )
    when = forms.ChoiceField(label=_("When"), choices=WHEN_CHOICES, required=False)
    modality = forms.ChoiceField(
        label=_("Modality"), choices=[("", _("Any modality")), *Meeting.Modality.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any status")), *Meeting.Status.choices], required=False
    )

    def filters(self) -> MeetingFilters:
        data = self.cleaned_data
        return MeetingFilters(
            network=data.get("network"),
            body=data.get("body"),
            when=data.get("when") or "",
            modality=data.get("modality") or "",
            status=data.get("status") or "",
        )


class MeetingForm(forms.Form):
    """Create (with the owner: a body or a network) and edit (owner fixed)."""

    network = forms.ModelChoiceField(
        label=_("Network"),
        queryset=Network.objects.none(),
        required=False,
        help_text=_("A meeting of the whole network. Choose a network or a body, not both."),
    )
    body = forms.ModelChoiceField(
        label=_("Body"), queryset=Body.objects.none(), required=False, help_text=_("A meeting of one body.")
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=DateTimeLocalInput(), input_formats=DATETIME_INPUT_FORMATS
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"), widget=DateTimeLocalInput(), input_formats=DATETIME_INPUT_FORMATS, required=False
    )
    modality = forms.ChoiceField(label=_("Modality"), choices=Meeting.Modality.choices, widget=forms.RadioSelect)
    place = forms.CharField(
        label=_("Place"), max_length=300, required=False, help_text=_("Needed for in-person and hybrid meetings.")
    )
    online_url = forms.URLField(
        label=_("Online link"),
        max_length=500,
        required=False,
        assume_scheme="https",
        help_text=_("Needed for virtual and hybrid meetings."),
    )
    agenda = forms.CharField(label=_("Agenda"), widget=forms.Textarea(attrs={"rows": 6}), required=False)
    minutes = forms.CharField(
        label=_("Minutes"),
        widget=forms.Textarea(attrs={"rows": 12}),
        required=False,
        help_text=_("Markdown: # heading, - list item, **bold**, [link](https://…). HTML is not allowed."),
    )

    def __init__(
        self,
        *args: Any,
        meeting: Meeting | None = None,
        networks=None,
        bodies=None,
        **kwargs: Any,
    ) -> None:
        if meeting is not None:
            kwargs.setdefault(
                "initial",
                {
                    "title": meeting.title,
                    "starts_at": timezone.localtime(meeting.starts_at),
                    "ends_at": timezone.localtime(meeting.ends_at) if meeting.ends_at else None,
                    "modality": meeting.modality,
                    "place": meeting.place,
                    "online_url": meeting.online_url,
                    "agenda": meeting.agenda,
                    "minutes": meeting.minutes,
                },
            )
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        if meeting is not None:
            del self.fields["network"]
            del self.fields["body"]
        else:
            network_field = self.fields["network"]
            assert isinstance(network_field, forms.ModelChoiceField)
            network_field.queryset = networks if networks is not None else Network.objects.none()
            body_field = self.fields["body"]
            assert isinstance(body_field, forms.ModelChoiceField)
            body_field.queryset = bodies if bodies is not None else Body.objects.none()
            # Django calls the instance's label_from_instance(obj); the stubs only know the method.
            body_field.label_from_instance = lambda body: (  # type: ignore[method-assign,assignment]
                f"{body.name} · {body.network.name}" if body.network_id else body.name
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # forms.Form.clean() returns cleaned_data
        owner_fields_valid = "network" in data and "body" in data
        if self.meeting is None and owner_fields_valid and (data["network"] is None) == (data["body"] is None):
            raise forms.ValidationError(_("Choose either a network or a body, not both."))
        return data

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if self.meeting is not None:
            data.pop("network", None)
            data.pop("body", None)
        return data


class CancelMeetingForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=300)


class CheckboxList(forms.CheckboxSelectMultiple):
    """CheckboxSelectMultiple's markup, written in one pass: the default renders a template per
    option, about a millisecond each, and a network meeting invites thousands of organizations."""

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer: Any = None) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, attrs)
        id_ = final_attrs.pop("id", None)
        shared = flatatt(final_attrs)
        selected = {str(item) for item in self.format_value(value)}
        parts = [f'<div id="{escape(id_)}">' if id_ else "<div>"]
        for index, (option_value, label) in enumerate(self.choices):
            key = str(option_value)
            option_id = f' id="{escape(id_)}_{index}"' if id_ else ""
            label_for = f' for="{escape(id_)}_{index}"' if id_ else ""
            checked = " checked" if key in selected else ""
            parts.append(
                f'<div><label{label_for}><input type="checkbox" name="{escape(name)}" value="{escape(key)}"'
                f"{shared}{option_id}{checked}>\n {escape(label)}</label></div>"
            )
        parts.append("</div>")
        return mark_safe("\n".join(parts))  # every value escaped above


class AttendanceForm(forms.Form):
    """The invited organizations and (for a body) its seat holders, ticked when present.
    Unticked seat holders are recorded as absent; unticked organizations are not listed."""

    organizations = forms.MultipleChoiceField(label=_("Organizations present"), required=False, widget=CheckboxList)
    seats = forms.MultipleChoiceField(label=_("Seat holders present"), required=False, widget=CheckboxList)

    def __init__(self, *args: Any, organizations, seats, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organizations_by_id = {str(org.pk): org for org in organizations}
        self.seats_by_id = {str(seat.pk): seat for seat in seats}
        organizations_field = self.fields["organizations"]
        assert isinstance(organizations_field, forms.ChoiceField)
        organizations_field.choices = [(key, org.name) for key, org in self.organizations_by_id.items()]
        seats_field = self.fields["seats"]
        assert isinstance(seats_field, forms.ChoiceField)
        seats_field.choices = [
            (key, f"{seat.person.full_name} · {seat.get_role_display()} · {seat.organization.name}")
            for key, seat in self.seats_by_id.items()
        ]
        if not seats:
            del self.fields["seats"]


class AgreementForm(forms.Form):
    number = forms.IntegerField(
        label=_("Number"), min_value=1, max_value=32767, required=False, help_text=_("Empty: after the last one.")
    )
    text = forms.CharField(label=_("Agreement"), widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if editing:
            del self.fields["number"]


def staff_owner_choices() -> list[tuple[str, str]]:
    users = (
        User.objects.filter(is_active=True, groups__name__in=STAFF_ROLES)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )
    return [(f"user:{user.pk}", user.get_full_name() or user.get_username()) for user in users]


class FollowUpActionForm(forms.Form):
    """The owner is picked from CLAC staff and the meeting's people (attendees, seat holders)."""

    description = forms.CharField(label=_("What must be done"), widget=forms.Textarea(attrs={"rows": 3}))
    owner = forms.ChoiceField(label=_("Owner"))
    due_date = forms.DateField(label=_("Due date"), widget=DateInput())

    def __init__(self, *args: Any, people: list[Person], action: FollowUpAction | None = None, **kwargs: Any) -> None:
        if action is not None:
            owner = f"person:{action.owner_person_id}" if action.owner_person_id else f"user:{action.owner_user_id}"
            kwargs.setdefault(
                "initial", {"description": action.description, "owner": owner, "due_date": action.due_date}
            )
        super().__init__(*args, **kwargs)
        self.people = {person.pk: person for person in people}
        if action is not None and action.owner_person is not None:
            self.people.setdefault(action.owner_person.pk, action.owner_person)
        staff = staff_owner_choices()
        owner_field = self.fields["owner"]
        assert isinstance(owner_field, forms.ChoiceField)
        owner_field.choices = [
            ("", "—"),
            (_("CLAC staff"), staff),
            (_("People of the meeting"), [(f"person:{pk}", p.full_name) for pk, p in self.people.items()]),
        ]

    def clean_owner(self) -> dict[str, Any]:
        kind, _sep, raw = self.cleaned_data["owner"].partition(":")
        pk = int(raw)
        if kind == "person":
            return {"owner_person": self.people[pk], "owner_user": None}
        return {"owner_person": None, "owner_user": User.objects.get(pk=pk)}

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {"description": data["description"], "due_date": data["due_date"], **data["owner"]}


class FollowUpStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=FollowUpAction.Status.choices)
    completed_on = forms.DateField(
        label=_("Completed on"), widget=DateInput(), required=False, help_text=_("Empty: today.")
    )


class FollowUpFilterForm(forms.Form):
    SCOPE_CHOICES = [("mine", _("My networks")), ("all", _("All networks"))]
    STATUS_CHOICES = [("pending", _("Open or in progress")), *FollowUpAction.Status.choices, ("all", _("Any status"))]

    scope = forms.ChoiceField(label=_("Networks"), choices=SCOPE_CHOICES, required=False)
    network = forms.ModelChoiceField(
        label=_("Network"), queryset=Network.objects.order_by("name"), required=False, empty_label=_("All networks")
    )
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args: Any, coordinator: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not coordinator:
            del self.fields["scope"]
