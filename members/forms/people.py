"""Forms of the staff people pages. They parse and check input only; members.services writes."""

import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from members import rules
from members.forms.pickers import OrganizationPickerField
from members.models import Affiliation, Consent, Country, Person

__all__ = [
    "PERSON_FORM_FIELDS",
    "AffiliationEndForm",
    "AffiliationForm",
    "ConsentForm",
    "NewPersonAffiliationForm",
    "PersonErasureForm",
    "PersonFilterForm",
    "PersonForm",
]

PERSON_FORM_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "email_secondary",
    "phone",
    "preferred_language",
    "gender",
    "birth_year",
    "notes",
)


class PersonFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Name, email or phone")}),
    )
    country = forms.ModelChoiceField(
        label=_("Organization country"), queryset=Country.objects.all(), required=False, empty_label=_("All")
    )
    role = forms.ChoiceField(label=_("Role"), choices=[("", _("All")), *Affiliation.Role.choices], required=False)
    language = forms.ChoiceField(
        label=_("Preferred language"), choices=[("", _("All")), *settings.LANGUAGES], required=False
    )
    has_email = forms.ChoiceField(
        label=_("Email"),
        choices=[("", _("All")), ("yes", _("Has an email")), ("no", _("No email"))],
        required=False,
    )

    def filters(self) -> dict:
        """The cleaned filters for members.selectors.person_list (empty when the input is bad)."""
        if not self.is_valid():
            return {}
        return {key: value for key, value in self.cleaned_data.items() if value}


class PersonForm(forms.Form):
    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    email_secondary = forms.EmailField(label=_("Second email"), required=False)
    # No format check here: the service first removes spaces and dashes, then checks E.164,
    # so "+51 987 654 321" is accepted as typed.
    phone = forms.CharField(
        label=_("Phone"),
        max_length=30,
        required=False,
        help_text=_("International format: + then country code and number, e.g. +51 987 654 321."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"), choices=settings.LANGUAGES, initial=settings.LANGUAGE_CODE
    )
    gender = forms.ChoiceField(
        label=_("Gender"), choices=[("", _("Not given")), *Person.Gender.choices], required=False
    )
    birth_year = forms.IntegerField(
        label=_("Birth year"), required=False, min_value=rules.BIRTH_YEAR_MIN, max_value=rules.YEAR_MAX
    )
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    @classmethod
    def initial_for(cls, person: Person) -> dict:
        return {name: getattr(person, name) for name in PERSON_FORM_FIELDS}


class AffiliationForm(forms.Form):
    # A search picker, not a list of the registry's thousand organizations.
    organization = OrganizationPickerField()
    role = forms.ChoiceField(label=_("Role"), choices=[("", "---------"), *Affiliation.Role.choices])
    start_date = forms.DateField(label=_("Start"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("End"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    is_primary = forms.BooleanField(
        label=_("Primary contact"),
        required=False,
        help_text=_("The person CLAC writes to first. Any other primary contact of the organization stops being one."),
    )


class NewPersonAffiliationForm(forms.Form):
    """The role of a person added from an organization's page (the organization is given)."""

    role = forms.ChoiceField(label=_("Role"), choices=[("", "---------"), *Affiliation.Role.choices])
    start_date = forms.DateField(label=_("Start"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    is_primary = forms.BooleanField(
        label=_("Primary contact"),
        required=False,
        help_text=_("The person CLAC writes to first. Any other primary contact of the organization stops being one."),
    )


class AffiliationEndForm(forms.Form):
    end_date = forms.DateField(label=_("End date"), widget=forms.DateInput(attrs={"type": "date"}))


class PersonErasureForm(forms.Form):
    """The confirmation step of an erasure: the request it answers, and an explicit yes."""

    reason = forms.CharField(
        label=_("Request reference"),
        max_length=200,
        help_text=_("Which request this answers: its date and how it came (kept as evidence)."),
    )
    confirm = forms.BooleanField(
        label=_("I understand that the names, emails, phone and notes of this person are erased for good."),
    )


class ConsentForm(forms.Form):
    """A person's answer on one channel; one form per channel, prefixed with the channel."""

    answer = forms.ChoiceField(label=_("Answer"), required=False)
    method = forms.ChoiceField(label=_("How it was given"), choices=[("", "---------"), *Consent.Method.choices])
    given_on = forms.DateField(
        label=_("Date given"),
        required=False,
        help_text=_("Empty means today."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, consent: Consent | None = None, **kwargs) -> None:
        initial = kwargs.pop("initial", None) or {}
        if consent is not None:
            initial = {"answer": "granted" if consent.granted else "refused", "method": consent.method, **initial}
        kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        choices = [("granted", _("Granted")), ("refused", _("Refused"))]
        if consent is None:
            # A recorded answer can be changed but not erased: the history keeps every answer.
            choices.insert(0, ("", _("No answer recorded")))
        answer = self.fields["answer"]
        assert isinstance(answer, forms.ChoiceField)
        answer.choices = choices
        self.fields["method"].required = False

    def clean(self) -> dict:
        super().clean()
        cleaned = self.cleaned_data
        if cleaned.get("answer") and not cleaned.get("method"):
            self.add_error("method", _("Say how the consent was given."))
        given_on = cleaned.get("given_on")
        if given_on and given_on > timezone.localdate():
            self.add_error("given_on", _("The date cannot be in the future."))
        return cleaned

    def given_at(self) -> datetime.datetime:
        given_on = self.cleaned_data.get("given_on")
        if given_on is None or given_on == timezone.localdate():
            return timezone.now()
        # Midday local time keeps the date the same in every time zone of the region.
        return timezone.make_aware(datetime.datetime.combine(given_on, datetime.time(12, 0)))
