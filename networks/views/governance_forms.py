"""Forms of the governance pages. They parse and check input only; the rules (one seat per
person and mandate, affiliation, terms, caps) are networks.services.governance's."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from members.models import Affiliation, Country, Organization, Person, Subregion
from networks.models import Body, Network, Seat
from networks.selectors.governance import ENDING_SOON_DAYS, WORKERS_SUBREGIONS

CLAC = "clac"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict | None = None) -> None:
        # ISO format: what <input type="date"> sends and expects, whatever the language.
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class BodyFilterForm(forms.Form):
    network = forms.ChoiceField(label=_("Network"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All")), *Body.Kind.choices])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.networks = {str(n.pk): n for n in Network.objects.order_by("kind", "name")}
        network_field = self.fields["network"]
        assert isinstance(network_field, forms.ChoiceField)
        network_field.choices = [
            ("", _("All")),
            (CLAC, _("CLAC's own bodies")),
            *[(pk, network.name) for pk, network in self.networks.items()],
        ]

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {}
        network = self.cleaned_data.get("network")
        return {
            "network": CLAC if network == CLAC else self.networks.get(network or ""),
            "kind": self.cleaned_data.get("kind") or "",
        }


class BodyForm(forms.Form):
    """A new body (kind and network chosen) or an existing one (they stay)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Body.Kind.choices)
    network = forms.ModelChoiceField(
        label=_("Network"),
        queryset=Network.objects.none(),
        required=False,
        help_text=_("Empty for CLAC's own bodies (General Assembly, Board, Oversight Committee)."),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    country = forms.ModelChoiceField(
        label=_("Country"),
        queryset=Country.objects.all(),
        required=False,
        help_text=_("Only for a national workers' committee."),
    )
    seats_per_subregion = forms.IntegerField(
        label=_("Seats per subregion"),
        required=False,
        min_value=1,
        max_value=20,
        help_text=_("For a committee whose seats stand for the subregions (the workers' coordinating committee: 2)."),
    )
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, networks: QuerySet[Network], body: Body | None = None, **kwargs: Any) -> None:
        if body is not None:
            kwargs.setdefault(
                "initial",
                {
                    "name": body.name,
                    "country": body.country_id,
                    "seats_per_subregion": body.seats_per_subregion,
                    "description": body.description,
                },
            )
        super().__init__(*args, **kwargs)
        network_field = self.fields["network"]
        assert isinstance(network_field, forms.ModelChoiceField)
        network_field.queryset = networks.order_by("kind", "name")
        if body is not None:
            del self.fields["kind"]
            del self.fields["network"]

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class MandateForm(forms.Form):
    start = forms.DateField(label=_("Start"), widget=DateInput)
    end = forms.DateField(label=_("End"), widget=DateInput)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class PersonSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Find the person"),
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, email or phone")}),
    )


class SeatForm(forms.Form):
    """A seat's role, organization represented, subregion and term. The organizations offered
    are those the holder currently serves (the service checks it again when saving)."""

    organization = forms.ModelChoiceField(label=_("Organization represented"), queryset=Organization.objects.none())
    role = forms.ChoiceField(label=_("Role"), choices=Seat.Role.choices, initial=Seat.Role.MEMBER)
    subregion = forms.ChoiceField(label=_("Subregion"), required=False)
    term_start = forms.DateField(label=_("Term start"), widget=DateInput)
    term_end = forms.DateField(label=_("Term end"), widget=DateInput)

    def __init__(self, *args: Any, body: Body, person: Person, current_organization_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        served = Affiliation.objects.filter(person=person, end_date__isnull=True).values("organization_id")
        organizations = Organization.objects.filter(pk__in=served)
        if current_organization_id is not None:
            organizations = Organization.objects.filter(pk__in=served) | Organization.objects.filter(
                pk=current_organization_id
            )
        organization_field = self.fields["organization"]
        assert isinstance(organization_field, forms.ModelChoiceField)
        organization_field.queryset = organizations.order_by("name")
        if body.seats_per_subregion:
            subregion_field = self.fields["subregion"]
            assert isinstance(subregion_field, forms.ChoiceField)
            subregion_field.choices = [
                ("", "---------"),
                *[(s, Subregion(s).label) for s in WORKERS_SUBREGIONS],
            ]
            self.fields["subregion"].required = True
        else:
            del self.fields["subregion"]

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.setdefault("subregion", "")
        return data


class SeatEndForm(forms.Form):
    end_date = forms.DateField(label=_("Last day in office"), widget=DateInput)


class EndingSoonForm(forms.Form):
    days = forms.IntegerField(
        label=_("Terms ending within (days)"), min_value=1, max_value=366, initial=ENDING_SOON_DAYS
    )
