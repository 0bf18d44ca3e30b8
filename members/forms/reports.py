"""Forms of the staff yearly-report review pages."""

from typing import TYPE_CHECKING

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from members import rules
from members.models import Country, YearlyReport

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

__all__ = ["ReportFilterForm", "ReviewNoteForm"]


class ReportFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All statuses")), *YearlyReport.Status.choices], required=False
    )
    year = forms.IntegerField(
        label=_("Year"), required=False, min_value=rules.REPORT_YEAR_MIN, max_value=rules.YEAR_MAX
    )
    country = forms.ModelChoiceField(
        label=_("Country"), queryset=Country.objects.all(), required=False, empty_label=_("All")
    )
    flagged = forms.BooleanField(label=_("Only reports with unusual figures"), required=False)
    # The reports the home's producers, women and young people figures add up.
    latest = forms.BooleanField(label=_("Only each active member's latest approved report"), required=False)

    @classmethod
    def from_query(cls, query: QueryDict) -> "ReportFilterForm":
        # The queue opens on what waits for a reviewer; "All statuses" sends status="" and
        # so still lists everything.
        if "status" not in query:
            query = query.copy()
            query["status"] = YearlyReport.Status.SUBMITTED
        return cls(query)

    def filters(self) -> dict:
        if not self.is_valid():
            return {"status": YearlyReport.Status.SUBMITTED}
        return {key: value for key, value in self.cleaned_data.items() if value}


class ReviewNoteForm(forms.Form):
    """The note of a review action (approve, return, comment). Whether it is required is the
    service's rule, so the message is the same here, in the API and in the portal."""

    note = forms.CharField(label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, note_label: "StrOrPromise | None" = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if note_label is not None:
            self.fields["note"].label = note_label
