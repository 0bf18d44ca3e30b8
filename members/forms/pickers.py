"""The organization search picker of the staff forms (members and networks): the platform's
SearchPickerField over the registry, with the registry's search and labels."""

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from clac.forms import SearchPickerField
from members.models import Organization
from members.selectors.pickers import organization_pick_label, organization_pick_search, organization_pickable

__all__ = ["OrganizationPickerField"]


class OrganizationPickerField(SearchPickerField):
    """Pick an organization by its name (any order, no accents needed), FLO ID or registry
    number. `queryset` narrows what may be picked (e.g. the organizations that may send
    delegates); the suggestions come from the whole registry and the form refuses the rest."""

    default_error_messages = {
        "not_found": _("No organization matches “%(text)s”. Check the spelling, or type its FLO ID."),
        "ambiguous": _(
            "%(count)s organizations match “%(text)s”: choose one below, or type more of the name or its FLO ID."
        ),
        "invalid_pick": _("That organization cannot be chosen here."),
    }

    def __init__(self, *, queryset: QuerySet[Organization] | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Organization"))
        kwargs.setdefault("help_text", _("Type part of its name, or its FLO ID, and choose it from the list."))
        super().__init__(
            queryset=queryset if queryset is not None else organization_pickable(),
            search=organization_pick_search,
            label_from_instance=organization_pick_label,
            source_url=reverse_lazy("members:organization_pick"),
            **kwargs,
        )
