"""The JSON endpoint behind the organization search picker (static/js/picker.js): the
suggestions for what a staff member types. Every staff role may read the registry, so every
staff role may ask; portal users and partners get 403. Names, country codes and FLO IDs only."""

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.http import require_GET

from clac.access import staff_required
from members.selectors.pickers import (
    ORGANIZATION_PICK_LIMIT,
    organization_pick_label,
    organization_pick_search,
    organization_pickable,
)

MIN_QUERY_LENGTH = 2


@staff_required()
@require_GET
def organization_pick(request: HttpRequest) -> JsonResponse:
    query = (request.GET.get("q") or "").strip()[:100]
    if len(query) < MIN_QUERY_LENGTH and not query.isdigit():
        return JsonResponse({"results": []})
    rows = organization_pick_search(organization_pickable(), query)[:ORGANIZATION_PICK_LIMIT]
    response = JsonResponse({"results": [{"id": row.pk, "label": organization_pick_label(row)} for row in rows]})
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns = [
    path("organizations/pick/", organization_pick, name="organization_pick"),
]
