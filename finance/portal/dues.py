"""Portal pages of dues: the organization's invoices, payments, open balance and credit, one
invoice's page, its printable copy (print or save as PDF from the browser) and a PDF file made
on the server with WeasyPrint. Every user of the organization (viewer, editor, admin) reads; an
invoice of another organization is a 404 (finance.selectors.dues.dues_invoice_get_for_user with
`organization`). Read-only.

`urlpatterns` are mounted by finance/portal/urls.py; `NAV` and `ACCESS` are gathered by
finance/plugin.py."""

import logging

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from clac.access import portal_required
from clac.plugins import ACCESS_PORTAL, NavEntry
from finance.selectors.dues import dues_invoice_get_for_user, organization_dues_statement, portal_invoice_context
from members.portal.request import MemberPortalRequest

logger = logging.getLogger(__name__)
PDF_STYLESHEET = "css/invoice-pdf.css"


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


def _refuse_fetch(url: str, *args: object, **kwargs: object) -> dict[str, object]:
    """WeasyPrint's URL fetcher: the invoice needs nothing from outside (the stylesheet is read
    from disk), so no URL a record might carry is ever fetched."""
    raise ValueError(f"not fetched: {url[:80]}")


@portal_required()
@require_GET
def invoice_pdf(request: MemberPortalRequest, pk: int) -> HttpResponse:
    """The invoice as a PDF file. WeasyPrint is imported here, not at module level: a server
    without Pango still starts, and this page answers 503 pointing to the printable copy."""
    invoice = dues_invoice_get_for_user(user=request.user, pk=pk, organization=request.organization)
    html = render_to_string("finance/dues/portal/invoice_pdf.html", {"invoice": invoice}, request=request)
    try:
        import weasyprint

        stylesheet = finders.find(PDF_STYLESHEET)
        document = weasyprint.HTML(string=html, base_url=request.build_absolute_uri("/"), url_fetcher=_refuse_fetch)
        pdf = document.write_pdf(stylesheets=[weasyprint.CSS(filename=stylesheet)] if stylesheet else [])
    except (ImportError, OSError) as error:
        logger.warning("Invoice PDF unavailable (WeasyPrint cannot run): %s", error)
        return render(request, "finance/dues/portal/invoice_pdf_unavailable.html", {"invoice": invoice}, status=503)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="CLAC-invoice-{invoice.number}.pdf"'
    return response


NAV: tuple[NavEntry, ...] = (NavEntry(_("Dues"), "finance_portal:dues_home", order=60),)
urlpatterns = [
    path("dues/", dues_home, name="dues_home"),
    path("dues/invoices/<int:pk>/", invoice_detail, name="dues_invoice_detail"),
    path("dues/invoices/<int:pk>/print/", invoice_print, name="dues_invoice_print"),
    path("dues/invoices/<int:pk>/pdf/", invoice_pdf, name="dues_invoice_pdf"),
]
ACCESS: dict[str, str] = {f"finance_portal:{pattern.name}": ACCESS_PORTAL for pattern in urlpatterns}
