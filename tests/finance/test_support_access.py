"""Every support-funds page walked with real records: who reaches it (finance and admin manage,
M&E officers also score), who is refused (other staff roles, portal users, anonymous visitors;
in the portal another organization's application and an ineligible organization's call are 404s),
that refused or bad input changes nothing, and that the lists cost a constant number of queries."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from clac.plugins import ACCESS_PORTAL, ACCESS_PORTAL_EDIT
from clac.roles import PortalRole, StaffRole
from finance.models import FinalReport, SupportApplication
from finance.portal import support as portal_support
from finance.services import support as services
from finance.views import support as views_support
from tests.factories import PortalAccessFactory, UserFactory
from tests.finance.support_factories import draft, member, open_call, submitted, today

pytestmark = pytest.mark.django_db
Status = SupportApplication.Status


@dataclass
class World:
    call: Any
    member: Any
    outsider: Any
    submitted: Any
    approved: Any
    other_draft: Any
    users: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def world(db) -> World:
    call = open_call(budget="50000.00", eligible_product_networks=["coffee"])
    organization = member(name="Cooperativa Miembro")
    outsider = member(name="Bananera Ajena", product_code="banana")
    neighbour = member(name="Cooperativa Vecina")
    application = draft(call, organization)
    services.application_attach(actor=None, application=application, upload=SimpleUploadedFile("plan.pdf", b"%PDF"))
    application = services.application_submit(actor=None, application=application)
    approved = services.application_approve(
        actor=None, application=submitted(call, member(name="Aprobada")), amount_usd=Decimal("3000.00")
    )
    services.tranche_plan(actor=None, application=approved, amount=Decimal("1000.00"), planned_on=today())
    services.report_submit(actor=None, application=approved, text="Informe")
    other_draft = draft(call, neighbour)
    users: dict[str, Any] = {role: UserFactory(username=f"s-{role}", roles=[role], language="en") for role in StaffRole}
    for name, org, role in (
        ("portal-member", organization, PortalRole.EDITOR),
        ("portal-viewer", organization, PortalRole.VIEWER),
        ("portal-outsider", outsider, PortalRole.ADMIN),
        ("portal-approved", approved.organization, PortalRole.ADMIN),
    ):
        users[name] = UserFactory(username=f"s-{name}", language="en")
        PortalAccessFactory(user=users[name], organization=org, role=role)
    return World(call, organization, outsider, application, approved, other_draft, users)


def fingerprint() -> dict[str, int]:
    tables = sorted(
        m._meta.db_table
        for m in apps.get_models()
        if (m._meta.app_label == "finance" and "upport" in m.__name__)
        or m.__name__
        in {"FundingCall", "Score", "Disbursement", "FinalReport", "ApplicationBudgetLine", "ApplicationAttachment"}
    )
    counts = ", ".join(f"(SELECT COUNT(*) FROM {connection.ops.quote_name(t)})" for t in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {counts}")
        return dict(zip(tables, cursor.fetchone(), strict=True))


def _as(client, user):
    client.force_login(user)
    return client


REVIEWER_PAGES = {
    "finance:support_call_list": lambda w: {},
    "finance:support_call_detail": lambda w: {"pk": w.call.pk},
    "finance:support_application_detail": lambda w: {"pk": w.submitted.pk},
    "finance:support_attachment_download": lambda w: {
        "pk": w.submitted.pk,
        "attachment_pk": w.submitted.attachments.get().pk,
    },
}
REVIEWER_POSTS = {"finance:support_application_score": lambda w: {"pk": w.submitted.pk}}
MANAGER_PAGES = {
    "finance:support_call_create": lambda w: {},
    "finance:support_call_edit": lambda w: {"pk": w.call.pk},
}
MANAGER_POSTS = {
    "finance:support_call_advance": lambda w: {"pk": w.call.pk},
    "finance:support_application_approve": lambda w: {"pk": w.submitted.pk},
    "finance:support_application_reject": lambda w: {"pk": w.submitted.pk},
    "finance:support_tranche_plan": lambda w: {"pk": w.approved.pk},
    "finance:support_tranche_pay": lambda w: {"pk": w.approved.pk, "tranche_pk": w.approved.tranches.get().pk},
    "finance:support_report_review": lambda w: {"pk": w.approved.pk},
}
# The report's file exists only once one is attached: walked with a 404 below.
OTHER = {"finance:support_report_download"}
PORTAL_READ = {
    "finance_portal:support_call_list": lambda w: {},
    "finance_portal:support_call_detail": lambda w: {"pk": w.call.pk},
    "finance_portal:support_application_detail": lambda w: {"pk": w.submitted.pk},
    "finance_portal:support_attachment_download": lambda w: {
        "pk": w.submitted.pk,
        "attachment_pk": w.submitted.attachments.get().pk,
    },
}
PORTAL_WRITE = {
    "finance_portal:support_application_create": lambda w: {"pk": w.call.pk},
    "finance_portal:support_application_edit": lambda w: {"pk": w.submitted.pk},
    "finance_portal:support_application_attach": lambda w: {"pk": w.submitted.pk},
    "finance_portal:support_application_submit": lambda w: {"pk": w.submitted.pk},
    "finance_portal:support_application_withdraw": lambda w: {"pk": w.submitted.pk},
    "finance_portal:support_report_submit": lambda w: {"pk": w.submitted.pk},
}
REVIEWERS = {StaffRole.ADMIN, StaffRole.FINANCE, StaffRole.ME_OFFICER}
MANAGERS = {StaffRole.ADMIN, StaffRole.FINANCE}


def test_every_route_of_the_area_is_walked_here():
    staff = {*REVIEWER_PAGES, *REVIEWER_POSTS, *MANAGER_PAGES, *MANAGER_POSTS, *OTHER}
    assert set(views_support.ACCESS) == staff
    assert {n for n, level in portal_support.ACCESS.items() if level == ACCESS_PORTAL} == set(PORTAL_READ)
    assert {n for n, level in portal_support.ACCESS.items() if level == ACCESS_PORTAL_EDIT} == set(PORTAL_WRITE)


@pytest.mark.parametrize("name", sorted(REVIEWER_PAGES))
def test_reviewers_read_and_other_roles_are_refused(client, world, name):
    url = reverse(name, kwargs=REVIEWER_PAGES[name](world))
    for role in StaffRole:
        expected = 200 if role in REVIEWERS else 403
        assert _as(client, world.users[role]).get(url).status_code == expected, role
    assert _as(client, world.users["portal-member"]).get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


def test_the_call_creation_form_opens_for_managers_only(client, world):
    url = reverse("finance:support_call_create")
    for role in StaffRole:
        assert _as(client, world.users[role]).get(url).status_code == (200 if role in MANAGERS else 403), role


@pytest.mark.parametrize("name", sorted({**REVIEWER_POSTS, **MANAGER_POSTS, **MANAGER_PAGES}))
def test_refused_users_cannot_post_and_nothing_changes(client, world, name):
    url = reverse(name, kwargs={**REVIEWER_POSTS, **MANAGER_POSTS, **MANAGER_PAGES}[name](world))
    allowed = REVIEWERS if name in REVIEWER_POSTS else MANAGERS
    before = fingerprint()
    data = {"amount": "1000", "reason": "x", "status": "closed", "paid_on": today().isoformat(), "accept": "1"}
    for role in set(StaffRole) - allowed:
        assert _as(client, world.users[role]).post(url, data).status_code == 403, role
    assert _as(client, world.users["portal-member"]).post(url, data).status_code == 403
    client.logout()
    assert client.post(url, data).status_code == 302
    assert fingerprint() == before


def test_an_approval_above_the_budget_is_refused_on_the_page_and_nothing_changes(client, world):
    before = fingerprint()
    url = reverse("finance:support_application_approve", kwargs={"pk": world.submitted.pk})
    response = _as(client, world.users[StaffRole.FINANCE]).post(url, {"amount": "4000.01"})
    assert response.status_code == 400
    assert "cannot exceed the requested" in response.content.decode()
    assert fingerprint() == before


def test_a_manager_approves_pays_a_tranche_and_accepts_the_report(client, world):
    finance = _as(client, world.users[StaffRole.FINANCE])
    url = reverse("finance:support_application_approve", kwargs={"pk": world.submitted.pk})
    assert finance.post(url, {"amount": "3500"}).status_code == 302
    world.submitted.refresh_from_db()
    assert world.submitted.status == Status.APPROVED and world.submitted.approved_usd == Decimal("3500")
    tranche = world.approved.tranches.get()
    url = reverse("finance:support_tranche_pay", kwargs={"pk": world.approved.pk, "tranche_pk": tranche.pk})
    assert finance.post(url, {"paid_on": today().isoformat()}).status_code == 302
    tranche.refresh_from_db()
    assert tranche.journal_entry is not None
    url = reverse("finance:support_report_review", kwargs={"pk": world.approved.pk})
    assert finance.post(url, {"accept": "1", "comment": ""}).status_code == 302
    assert FinalReport.objects.get().status == FinalReport.Status.ACCEPTED


def test_an_me_officer_scores_but_cannot_decide(client, world):
    criteria = list(world.call.criteria.all())
    officer = _as(client, world.users[StaffRole.ME_OFFICER])
    data = {f"criterion_{c.pk}": c.max_score for c in criteria}
    assert (
        officer.post(reverse("finance:support_application_score", kwargs={"pk": world.submitted.pk}), data).status_code
        == 302
    )
    assert world.submitted.scores.count() == len(criteria)
    url = reverse("finance:support_application_approve", kwargs={"pk": world.submitted.pk})
    assert officer.post(url, {"amount": "1"}).status_code == 403


def test_staff_do_not_see_drafts_and_the_report_file_is_a_404_without_one(client, world):
    admin = _as(client, world.users[StaffRole.ADMIN])
    assert (
        admin.get(reverse("finance:support_application_detail", kwargs={"pk": world.other_draft.pk})).status_code == 404
    )
    assert admin.get(reverse("finance:support_report_download", kwargs={"pk": world.approved.pk})).status_code == 404


# --- Portal ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PORTAL_READ))
def test_the_organization_reads_its_own_and_others_get_a_404(client, world, name):
    url = reverse(name, kwargs=PORTAL_READ[name](world))
    assert _as(client, world.users["portal-member"]).get(url).status_code == 200
    assert _as(client, world.users["portal-viewer"]).get(url).status_code == 200
    expected = 200 if name == "finance_portal:support_call_list" else 404
    assert _as(client, world.users["portal-outsider"]).get(url).status_code == expected
    client.logout()
    assert client.get(url).status_code == 302


def test_an_ineligible_organization_does_not_see_the_call_in_its_list(client, world):
    response = _as(client, world.users["portal-outsider"]).get(reverse("finance_portal:support_call_list"))
    assert world.call.title not in response.content.decode()
    response = _as(client, world.users["portal-member"]).get(reverse("finance_portal:support_call_list"))
    assert world.call.title in response.content.decode()


@pytest.mark.parametrize("name", sorted(PORTAL_WRITE))
def test_viewers_outsiders_and_staff_cannot_write_in_the_portal_and_nothing_changes(client, world, name):
    url = reverse(name, kwargs=PORTAL_WRITE[name](world))
    before = fingerprint()
    data = {"currency": "USD", "requested_amount": "10", "plan": "x", "budget_lines": "x | 10", "text": "x"}
    assert _as(client, world.users["portal-viewer"]).post(url, data).status_code == 403
    assert _as(client, world.users["portal-outsider"]).post(url, data).status_code == 404
    assert _as(client, world.users[StaffRole.ADMIN]).post(url, data).status_code == 403
    client.logout()
    assert client.post(url, data).status_code == 302
    assert fingerprint() == before


def test_an_editor_applies_attaches_and_submits(client, world):
    world.submitted.delete()
    editor = _as(client, world.users["portal-member"])
    url = reverse("finance_portal:support_application_create", kwargs={"pk": world.call.pk})
    data = {
        "currency": "USD",
        "requested_amount": "5000",
        "plan": "Riego",
        "budget_lines": "Riego | 4000\nTalleres | 1000",
    }
    response = editor.post(url, data)
    assert response.status_code == 302
    application = SupportApplication.objects.get(organization=world.member)
    attach = reverse("finance_portal:support_application_attach", kwargs={"pk": application.pk})
    assert editor.post(attach, {"file": SimpleUploadedFile("virus.exe", b"MZ")}).status_code == 400
    assert editor.post(attach, {"file": SimpleUploadedFile("plan.pdf", b"%PDF")}).status_code == 302
    editor.post(reverse("finance_portal:support_application_submit", kwargs={"pk": application.pk}))
    application.refresh_from_db()
    assert application.status == Status.SUBMITTED and application.attachments.count() == 1


def test_budget_lines_that_do_not_add_up_are_explained_and_nothing_is_saved(client, world):
    world.submitted.delete()
    before = fingerprint()
    editor = _as(client, world.users["portal-member"])
    url = reverse("finance_portal:support_application_create", kwargs={"pk": world.call.pk})
    response = editor.post(url, {"currency": "USD", "requested_amount": "5000", "plan": "x", "budget_lines": "a | 1"})
    assert response.status_code == 400
    assert "add up to" in response.content.decode()
    assert fingerprint() == before


def test_the_organization_sends_its_final_report_after_approval(client, world):
    report = FinalReport.objects.get()
    services.report_review(actor=None, report=report, accept=False, comment="Añadan fotos")
    user = _as(client, world.users["portal-approved"])
    page = user.get(reverse("finance_portal:support_application_detail", kwargs={"pk": world.approved.pk}))
    assert "Añadan fotos" in page.content.decode()
    url = reverse("finance_portal:support_report_submit", kwargs={"pk": world.approved.pk})
    assert user.post(url, {"text": "Con fotos", "attachment": SimpleUploadedFile("f.jpg", b"jpg")}).status_code == 302
    report.refresh_from_db()
    assert report.status == FinalReport.Status.SUBMITTED and report.text == "Con fotos"


# --- Query counts ---------------------------------------------------------------------------------


def test_the_lists_cost_a_constant_number_of_queries(client, world, django_assert_max_num_queries):
    finance = _as(client, world.users[StaffRole.FINANCE])
    for index in range(12):
        call = open_call()
        submitted(call, member(name=f"Extra {index}"))
    for index in range(15):
        application = submitted(world.call, member(name=f"Postulante {index}"))
        services.scores_record(
            reviewer=world.users[StaffRole.FINANCE],
            application=application,
            scores={c.pk: 3 for c in world.call.criteria.all()},
        )
    with django_assert_max_num_queries(12):
        assert finance.get(reverse("finance:support_call_list")).status_code == 200
    with django_assert_max_num_queries(14):
        assert finance.get(reverse("finance:support_call_detail", kwargs={"pk": world.call.pk})).status_code == 200


def test_finance_creates_a_call_and_a_bad_one_is_explained_without_saving(client, world):
    from finance.models import FundingCall

    finance = _as(client, world.users[StaffRole.FINANCE])
    url = reverse("finance:support_call_create")
    data = {
        "title": "Fondo de Solidaridad 2027",
        "fund": world.call.fund_id,
        "budget": "20000",
        "opens_on": "2027-02-01",
        "closes_on": "2027-01-01",
        "eligible_kinds": ["spo"],
        "eligible_countries": ["PE", "CO"],
        "criteria": "Impacto | 2 | 5",
    }
    before = FundingCall.objects.count()
    response = finance.post(url, data)
    assert response.status_code == 400
    assert "close on or after" in response.content.decode()
    assert FundingCall.objects.count() == before
    data["closes_on"] = "2027-03-31"
    response = finance.post(url, data)
    assert response.status_code == 302
    call = FundingCall.objects.get(title="Fondo de Solidaridad 2027")
    assert (call.status, call.eligible_countries, call.criteria.get().max_score) == ("draft", ["PE", "CO"], 5)
