"""Portal pages of dues: the organization's invoices, payments, open balance and credit, one
invoice's page and its printable copy (print or save as PDF from the browser). Every user of
the organization (viewer, editor, admin) reads; an invoice of another organization is a 404
(finance.selectors.dues.dues_invoice_get_for_user with `organization`). Read-only.

`urlpatterns` are mounted by finance/portal/urls.py; `NAV` and `ACCESS` are gathered by
finance/plugin.py."""

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from clac.access import portal_required
from clac.plugins import ACCESS_PORTAL, NavEntry
from finance.selectors.dues import dues_invoice_get_for_user, organization_dues_statement, portal_invoice_context
from members.portal.request import MemberPortalRequest


@portal_required()
@require_GET
def dues_home(request: MemberPortalRequest) -> HttpResponse:
    return render(
        request, "finance/dues/portal/home.html", organization_dues_statement(organization=request.organization)
    )


@portal_required()
@require_GET
def invoice_detail(request: MemberPortalRequest, pk: int) -> HttpResponse:
    invoice = dues_invoice_get_for_user(user=request.user, pk=pk, organization=request.organization)
    return render(
        request, "finance/dues/portal/invoice.html", {"invoice": invoice, **portal_invoice_context(invoice=invoice)}
    )


@portal_required()
@require_GET
def invoice_print(request: MemberPortalRequest, pk: int) -> HttpResponse:
    invoice = dues_invoice_get_for_user(user=request.user, pk=pk, organization=request.organization)
    return render(request, "finance/dues/portal/invoice_print.html", {"invoice": invoice})


NAV: tuple[NavEntry, ...] = (NavEntry(_("Dues"), "finance_portal:dues_home", order=60),)
urlpatterns = [
    path("dues/", dues_home, name="dues_home"),
    path("dues/invoices/<int:pk>/", invoice_detail, name="dues_invoice_detail"),
    path("dues/invoices/<int:pk>/print/", invoice_print, name="dues_invoice_print"),
]
ACCESS: dict[str, str] = {f"finance_portal:{pattern.name}": ACCESS_PORTAL for pattern in urlpatterns}
