"""Forms of the assemblies pages (dashboard and portal). They parse input; the rules are the
services' (networks.services.assemblies), whose errors land on these forms."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from members.forms.pickers import OrganizationPickerField
from members.models import Country, Organization, Person, ProductNetwork
from networks.models import AssemblySession, Body, Delegate

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class BodyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Body) -> str:
        return f"{obj.name} · {obj.network}" if obj.network_id else obj.name


class AssemblySessionForm(forms.Form):
    body = BodyChoiceField(label=_("Assembly"), queryset=Body.objects.none())
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_on = forms.DateField(label=_("Starts on"), widget=DATE_WIDGET)
    ends_on = forms.DateField(label=_("Ends on"), widget=DATE_WIDGET)
    place = forms.CharField(label=_("Place"), max_length=200, required=False)
    quorum_percent = forms.DecimalField(
        label=_("Quorum (% of the expected votes)"),
        max_digits=5,
        decimal_places=2,
        min_value=0.01,
        max_value=100,
        initial=AssemblySession.DEFAULT_QUORUM_PERCENT,
    )
    expected_votes = forms.IntegerField(
        label=_("Expected votes"),
        min_value=1,
        required=False,
        help_text=_("Leave empty to take the votes of the delegates designated when designation closes."),
    )
    delegates_per_organization = forms.IntegerField(
        label=_("Delegates per organization"),
        min_value=1,
        max_value=20,
        initial=AssemblySession.DEFAULT_DELEGATES_PER_ORGANIZATION,
    )

    def __init__(
        self, *args: Any, bodies: QuerySet[Body] | None = None, session: AssemblySession | None = None, **kwargs: Any
    ):
        if session is not None:
            kwargs.setdefault(
                "initial",
                {
                    name: getattr(session, name)
                    for name in (
                        "title",
                        "starts_on",
                        "ends_on",
                        "place",
                        "quorum_percent",
                        "expected_votes",
                        "delegates_per_organization",
                    )
                },
            )
        super().__init__(*args, **kwargs)
        if session is not None:
            # A session stays with its assembly.
            del self.fields["body"]
            if session.quorum_certified_at is not None:
                for name in ("quorum_percent", "expected_votes"):
                    self.fields[name].disabled = True
        else:
            body_field = self.fields["body"]
            assert isinstance(body_field, forms.ModelChoiceField)
            body_field.queryset = bodies if bodies is not None else Body.objects.none()

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("body", None)
        return data


class DelegateFilterForm(forms.Form):
    country = forms.ModelChoiceField(label=_("Country"), queryset=Country.objects.none(), required=False)
    product_network = forms.ChoiceField(
        label=_("Product"), choices=[("", _("Any")), *list(ProductNetwork.choices)], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("Any")), *list(Delegate.Status.choices)], required=False
    )
    search = forms.CharField(label=_("Name or organization"), max_length=100, required=False)

    def __init__(self, *args: Any, countries: QuerySet[Country], **kwargs: Any):
        super().__init__(*args, **kwargs)
        country_field = self.fields["country"]
        assert isinstance(country_field, forms.ModelChoiceField)
        country_field.queryset = countries

    def filters(self) -> dict[str, Any]:
        return {key: value for key, value in self.cleaned_data.items() if value}


class OrganizationPickForm(forms.Form):
    """Adding a delegate, step one: which organization sends them, picked by name, FLO ID or
    registry number (a list of the eligible organizations would be thousands of options for
    CLAC's General Assembly). Only the eligible ones are accepted."""

    organization = OrganizationPickerField(
        error_messages={
            "not_found": _("No organization that may send delegates to this session matches “%(text)s”."),
            "invalid_pick": _("This organization may not send delegates to this session."),
        }
    )

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.organizations = organizations
        field = self.fields["organization"]
        assert isinstance(field, OrganizationPickerField)
        field.queryset = organizations


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return str(obj)


class DelegateForm(forms.Form):
    """Adding (step two) or changing a delegate. The portal shows only the person and, for the
    General Assembly, the product represented; staff also the country and the votes."""

    person = PersonChoiceField(label=_("Person"), queryset=Person.objects.none())
    country = forms.ModelChoiceField(label=_("Country represented"), queryset=Country.objects.all(), required=False)
    product_network = forms.ChoiceField(
        label=_("Product represented"), choices=[("", "—"), *list(ProductNetwork.choices)], required=False
    )
    votes = forms.IntegerField(label=_("Votes"), min_value=1, max_value=1000, initial=1)

    def __init__(
        self,
        *args: Any,
        people: QuerySet[Person],
        portal: bool = False,
        product_choice: bool = True,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        person_field = self.fields["person"]
        assert isinstance(person_field, forms.ModelChoiceField)
        person_field.queryset = people
        if portal:
            del self.fields["country"]
            del self.fields["votes"]
            if not product_choice:
                del self.fields["product_network"]

    @staticmethod
    def initial_for(delegate: Delegate) -> dict[str, Any]:
        return {
            "person": delegate.person_id,
            "country": delegate.country_id,
            "product_network": delegate.product_network,
            "votes": delegate.votes,
        }


class AccreditationForm(forms.Form):
    delegates = forms.ModelMultipleChoiceField(
        label=_("Delegates present"), queryset=Delegate.objects.none(), widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args: Any, session: AssemblySession, **kwargs: Any):
        super().__init__(*args, **kwargs)
        delegates_field = self.fields["delegates"]
        assert isinstance(delegates_field, forms.ModelChoiceField)
        delegates_field.queryset = Delegate.objects.filter(session=session, status=Delegate.Status.DESIGNATED)


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label=_("I confirm"), required=True)


class MotionForm(forms.Form):
    number = forms.IntegerField(
        label=_("Number"), min_value=1, max_value=999, required=False, help_text=_("Empty: the next number.")
    )
    title = forms.CharField(label=_("Title"), max_length=300)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 5}), required=False)
    requires_two_thirds = forms.BooleanField(
        label=_("Requires two thirds of the votes cast (statute reform)"), required=False
    )


class TallyForm(forms.Form):
    votes_for = forms.IntegerField(label=_("For"), min_value=0)
    votes_against = forms.IntegerField(label=_("Against"), min_value=0)
    votes_abstain = forms.IntegerField(label=_("Abstain"), min_value=0)
