"""Portal pages of the project itself: the organization's home page and the organization
switcher. Mounted at /portal/ by clac.portal_urls (app "portal")."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from clac.access import PORTAL_SESSION_KEY, portal_access_get_for_user, portal_required


def _report_url(report) -> str | None:
    # The report pages belong to the registry module; link to them once they exist.
    for name, kwargs in (("members_portal:report_detail", {"pk": report.pk}), ("members_portal:report_list", {})):
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return None


def portal_home_context(*, organization) -> dict:
    """The organization's summary; one query per part, whatever the organization's size."""
    from members.models import Affiliation, Certification, Membership, YearlyReport

    membership = Membership.objects.filter(organization=organization).first()
    certifications = list(Certification.objects.filter(organization=organization).order_by("standard"))
    # People currently linked to the organization, each counted once whatever their roles.
    people_count = (
        Affiliation.objects.filter(organization=organization, end_date__isnull=True)
        .values("person_id")
        .distinct()
        .count()
    )
    latest_report = YearlyReport.objects.filter(organization=organization).order_by("-year").first()
    return {
        "organization": organization,
        "membership": membership,
        "certifications": certifications,
        "people_count": people_count,
        "latest_report": latest_report,
        "latest_report_url": _report_url(latest_report) if latest_report else None,
    }


@portal_required()
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/home.html", portal_home_context(organization=request.organization))


@require_POST
@login_required
def organization_switch(request: HttpRequest) -> HttpResponse:
    """Makes another of the user's organizations the current one. An organization the user has
    no access to gets a 404 (as if it did not exist) and the current one stays."""
    try:
        organization_id = int(request.POST.get("organization", ""))
    except ValueError:
        return HttpResponseBadRequest(_("Choose an organization."))
    access = portal_access_get_for_user(user=request.user, organization_id=organization_id)
    request.session[PORTAL_SESSION_KEY] = access.organization_id
    messages.success(request, _("You are now working for %(name)s.") % {"name": access.organization.name})
    return redirect("portal:home")


urlpatterns = [
    path("", home, name="home"),
    path("organization/", organization_switch, name="organization_switch"),
]
