"""Every page and endpoint of the reviews area: who reaches it and who is refused (finance and
communications, a coordinator of another network, portal users of organizations not invited,
partner keys without `reviews:read`, anonymous visitors), that bad input changes nothing, that
lists cost a constant number of queries, and that nobody but the organization itself and the
review's managers ever reads one organization's answer."""

import datetime
import json
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from clac.plugins import ACCESS_API, ACCESS_PORTAL, ACCESS_STAFF_ROLES
from clac.roles import PortalRole, StaffRole
from communications.services import api_key_create
from members.models import Country
from networks.api import reviews as api_reviews
from networks.models import ConsultationResponse, Review, ReviewEvent
from networks.portal import consultations as portal_consultations
from networks.views import reviews as views_reviews
from tests.factories import ExternalPartnerFactory, OrganizationFactory, PortalAccessFactory, UserFactory
from tests.networks.factories import ProductNetworkFactory
from tests.networks.factories_reviews import PriceReferenceFactory, ReviewFactory, RoundFactory, answer, invite, rate

pytestmark = pytest.mark.django_db

# A cost nobody could guess: it must never appear where individual answers are not allowed.
SECRET_COST = "7.3917"


@pytest.fixture
def world(db):
    today = timezone.localdate()
    review = ReviewFactory(title="Revisión del café")
    open_round = RoundFactory(
        review=review, opens_on=today - datetime.timedelta(days=3), closes_on=today + datetime.timedelta(days=3)
    )
    closed_round = RoundFactory(
        review=review, opens_on=datetime.date(2022, 12, 1), closes_on=datetime.date(2023, 2, 28)
    )
    member = OrganizationFactory(name="Cooperativa Invitada")
    outsider = OrganizationFactory(name="Cooperativa Ajena")
    lonely = OrganizationFactory(name="Cooperativa Sola", country=Country.objects.get(code="BO"))
    invite(open_round, member)
    invite(closed_round, member, lonely)
    for index in range(3):
        org = OrganizationFactory()
        invite(closed_round, org)
        answer(closed_round, org, f"1.{index}0", volume="100")
    answer(closed_round, lonely, SECRET_COST)  # the only answer from Bolivia
    PriceReferenceFactory()
    users = {role: UserFactory(username=f"rv-{role}", roles=[role], language="en") for role in StaffRole}
    review.network.coordinators.add(users[StaffRole.COORDINATOR])
    users["other-coordinator"] = UserFactory(username="rv-other", roles=[StaffRole.COORDINATOR], language="en")
    ProductNetworkFactory(product_network="cocoa").coordinators.add(users["other-coordinator"])
    for name, organization, role in (
        ("portal-member", member, PortalRole.EDITOR),
        ("portal-viewer", member, PortalRole.VIEWER),
        ("portal-outsider", outsider, PortalRole.ADMIN),
        ("portal-lonely", lonely, PortalRole.ADMIN),
    ):
        users[name] = UserFactory(username=f"rv-{name}", language="en")
        PortalAccessFactory(user=users[name], organization=organization, role=role)
    return {"review": review, "open": open_round, "closed": closed_round, "member": member, "users": users}


def _c(client, user):
    client.force_login(user)
    return client


PAGES = {
    "networks:review_list": lambda w: {},
    "networks:price_reference_list": lambda w: {},
    "networks:review_detail": lambda w: {"pk": w["review"].pk},
    "networks:round_detail": lambda w: {"pk": w["closed"].pk},
}
MANAGER_PAGES = {
    "networks:review_create": lambda w: {},
    "networks:review_document_add": lambda w: {"pk": w["review"].pk},
    "networks:round_create": lambda w: {"pk": w["review"].pk},
    "networks:price_reference_create": lambda w: {"pk": w["review"].pk},
    "networks:round_export": lambda w: {"pk": w["closed"].pk},
}
POST_ONLY = {
    "networks:review_move": lambda w: {"pk": w["review"].pk},
    "networks:round_invite": lambda w: {"pk": w["open"].pk},
}
PORTAL_PAGES = {
    "networks_portal:consultation_list": lambda w: {},
    "networks_portal:consultation_answer": lambda w: {"pk": w["open"].pk},
}
API_ROUTES = {"review-list", "review-detail", "price-reference-list"}


def test_every_route_of_the_area_is_walked_here():
    declared = {**views_reviews.ACCESS, **portal_consultations.ACCESS, **api_reviews.ACCESS}
    walked = {*PAGES, *MANAGER_PAGES, *POST_ONLY, "networks:review_document_download", *PORTAL_PAGES}
    walked |= {f"api-v1:{n}" for n in API_ROUTES}
    assert set(declared) == walked
    assert {n for n, level in declared.items() if level == ACCESS_PORTAL} == set(PORTAL_PAGES)
    assert {n for n, level in declared.items() if level == ACCESS_API} == {f"api-v1:{n}" for n in API_ROUTES}
    assert all(level == ACCESS_STAFF_ROLES for n, level in views_reviews.ACCESS.items())


@pytest.mark.parametrize("name", sorted(PAGES))
def test_readers_read_finance_communications_and_portal_users_are_refused(client, world, name):
    url = reverse(name, kwargs=PAGES[name](world))
    users = world["users"]
    for role in (StaffRole.ADMIN, StaffRole.ME_OFFICER, StaffRole.COORDINATOR, StaffRole.VIEWER):
        assert _c(client, users[role]).get(url).status_code == 200, role
    assert _c(client, users["other-coordinator"]).get(url).status_code == 200
    for user in (users[StaffRole.FINANCE], users[StaffRole.COMMUNICATIONS], users["portal-member"]):
        assert _c(client, user).get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("name", sorted(MANAGER_PAGES))
def test_manager_pages_open_for_admins_me_officers_and_the_networks_coordinator_only(client, world, name):
    url = reverse(name, kwargs=MANAGER_PAGES[name](world))
    users = world["users"]
    for role in (StaffRole.ADMIN, StaffRole.ME_OFFICER, StaffRole.COORDINATOR):
        assert _c(client, users[role]).get(url).status_code == 200, role
    refused = [
        users[StaffRole.VIEWER],
        users[StaffRole.FINANCE],
        users[StaffRole.COMMUNICATIONS],
        users["portal-member"],
    ]
    if name != "networks:review_create":
        refused.append(users["other-coordinator"])
    for user in refused:
        assert _c(client, user).get(url).status_code == 403, user.username
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("name", sorted(POST_ONLY))
def test_posts_refused_to_readers_and_other_coordinators_change_nothing(client, world, name):
    url = reverse(name, kwargs=POST_ONLY[name](world))
    users = world["users"]
    for user in (users[StaffRole.VIEWER], users["other-coordinator"], users[StaffRole.FINANCE], users["portal-member"]):
        assert _c(client, user).post(url, {"to_stage": "analysis"}).status_code == 403
    world["review"].refresh_from_db()
    assert world["review"].stage == "consultation"
    assert world["open"].invitations.count() == 1


def test_document_download_for_readers_only(client, world, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    url = reverse("networks:review_document_add", kwargs={"pk": world["review"].pk})
    response = _c(client, world["users"][StaffRole.COORDINATOR]).post(
        url, {"title": "Términos", "stage": "planning", "file": SimpleUploadedFile("tdr.pdf", b"%PDF-1.4")}
    )
    assert response.status_code == 302
    document = world["review"].documents.get()
    download = reverse("networks:review_document_download", kwargs={"pk": document.pk})
    assert _c(client, world["users"][StaffRole.VIEWER]).get(download).status_code == 200
    assert _c(client, world["users"][StaffRole.FINANCE]).get(download).status_code == 403


def test_bad_input_shows_errors_and_changes_nothing(client, world):
    c = _c(client, world["users"][StaffRole.COORDINATOR])
    before = (Review.objects.count(), world["review"].rounds.count())
    response = c.post(reverse("networks:review_create"), {"product": "", "kind": "x", "title": ""})
    assert response.status_code == 200 and response.context["form"].errors
    response = c.post(
        reverse("networks:round_create", kwargs={"pk": world["review"].pk}),
        {"title": "R", "opens_on": "2026-03-01", "closes_on": "2026-02-01", "reminder_days": "7"},
    )
    assert "closes_on" in response.context["form"].errors
    bad_file = c.post(
        reverse("networks:review_document_add", kwargs={"pk": world["review"].pk}),
        {"title": "x", "stage": "planning", "file": __import__("io").BytesIO(b"MZ")},
    )
    assert bad_file.status_code == 200
    assert (Review.objects.count(), world["review"].rounds.count()) == before
    # A move the rules refuse comes back as a message, the review unchanged.
    response = c.post(
        reverse("networks:review_move", kwargs={"pk": world["review"].pk}), {"to_stage": "published"}, follow=True
    )
    assert "cannot move" in response.content.decode()
    assert ReviewEvent.objects.filter(review=world["review"]).count() == 1


def test_the_review_list_costs_a_constant_number_of_queries(client, world, django_assert_max_num_queries):
    for _ in range(30):
        review = ReviewFactory(network=world["review"].network)
        RoundFactory(review=review)
    c = _c(client, world["users"][StaffRole.VIEWER])
    with django_assert_max_num_queries(14):
        assert c.get(reverse("networks:review_list")).status_code == 200


# --- Portal ---------------------------------------------------------------------------------


def test_an_invited_editor_answers_in_the_portal_and_a_viewer_only_reads(client, world):
    url = reverse("networks_portal:consultation_answer", kwargs={"pk": world["open"].pk})
    rate("PEN", datetime.date(2020, 1, 1), "0.27")
    c = _c(client, world["users"]["portal-member"])
    assert world["open"].pk in [
        i.round.pk for i in c.get(reverse("networks_portal:consultation_list")).context["open_rounds"]
    ]
    response = c.post(url, {"currency": "PEN", "cost_labour": "2,50", "open_0": "Abonos", "submit": "1"})
    assert response.status_code == 302
    saved = ConsultationResponse.objects.get(round=world["open"], organization=world["member"])
    assert (saved.status, saved.cost_total, saved.open_answers) == ("submitted", Decimal("2.5"), ["Abonos"])
    viewer = _c(client, world["users"]["portal-viewer"])
    assert viewer.get(url).status_code == 200
    assert viewer.post(url, {"currency": "USD", "cost_labour": "9"}).status_code == 403


def test_late_answers_in_the_portal_are_refused_with_the_message(client, world):
    round_ = world["open"]
    round_.closes_on = timezone.localdate() - datetime.timedelta(days=1)
    round_.save(update_fields=["closes_on"])
    url = reverse("networks_portal:consultation_answer", kwargs={"pk": round_.pk})
    c = _c(client, world["users"]["portal-member"])
    page = c.get(url).content.decode()
    assert "answers are no longer accepted" in page and "<form" not in page.split("<main", 1)[-1]
    response = c.post(url, {"currency": "USD", "cost_labour": "1", "submit": "1"})
    assert response.status_code == 400
    assert "answers are no longer accepted" in response.content.decode()
    assert not ConsultationResponse.objects.filter(round=round_).exists()


def test_organizations_not_invited_get_404_and_staff_have_no_portal(client, world):
    url = reverse("networks_portal:consultation_answer", kwargs={"pk": world["open"].pk})
    assert _c(client, world["users"]["portal-outsider"]).get(url).status_code == 404
    assert _c(client, world["users"][StaffRole.ADMIN]).get(url).status_code == 403
    client.logout()
    assert client.get(url).status_code == 302


# --- API ------------------------------------------------------------------------------------


def _partner(scopes) -> APIClient:
    _key, raw = api_key_create(partner=ExternalPartnerFactory(), name="k", scopes=scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def _api_url(name, world):
    return reverse(f"api-v1:{name}", kwargs={"pk": world["review"].pk} if name.endswith("detail") else {})


@pytest.mark.parametrize("name", sorted(API_ROUTES))
def test_api_for_reviews_read_keys_and_reading_staff_only(world, name):
    url = _api_url(name, world)
    assert _partner(["reviews:read"]).get(url).status_code == 200
    assert _partner(["directory:read", "stats:read"]).get(url).status_code == 403
    staff = APIClient()
    staff.force_authenticate(world["users"][StaffRole.VIEWER])
    assert staff.get(url).status_code == 200
    staff.force_authenticate(world["users"][StaffRole.FINANCE])
    assert staff.get(url).status_code == 403
    portal = APIClient()
    portal.force_authenticate(world["users"]["portal-member"])
    assert portal.get(url).status_code == 403
    assert APIClient().get(url).status_code in (401, 403)
    assert _partner(["reviews:read"]).post(url, {}).status_code in (403, 405)


def test_api_detail_gives_stages_rounds_and_closed_results_only(world):
    body = _partner(["reviews:read"]).get(_api_url("review-detail", world)).json()
    assert [s["stage"] for s in body["stages"]] == ["consultation"]
    rounds = {r["id"]: r for r in body["rounds"]}
    assert rounds[world["open"].pk]["results"] is None
    closed = rounds[world["closed"].pk]
    assert (closed["invited"], closed["submitted"]) == (5, 4)
    assert Decimal(str(closed["response_rate"])) == Decimal("80.0")
    bolivia = next(f for f in closed["results"]["by_country"] if f["country"] == "BO")
    assert bolivia["suppressed"] and bolivia["median"] is None


def test_price_references_filter_by_product_and_refuse_unknown_codes(world):
    client = _partner(["reviews:read"])
    assert len(client.get(reverse("api-v1:price-reference-list"), {"product": "coffee"}).json()["results"]) == 1
    assert client.get(reverse("api-v1:price-reference-list"), {"product": "cocoa"}).json()["results"] == []
    assert client.get(reverse("api-v1:price-reference-list"), {"product": "gold"}).status_code == 400


def test_no_partner_other_organization_or_non_manager_reads_an_individual_answer(client, world):
    """The Bolivian organization is its country's only answer: its cost must not show anywhere
    but to itself and to the review's managers."""
    secret = SECRET_COST[:4]  # "7.39" — the figure as any page or endpoint would round it
    leaks = []
    for scopes in (["reviews:read"], ["reviews:read", "directory:read", "stats:read", "people:read"]):
        partner = _partner(scopes)
        for name in API_ROUTES:
            leaks.append(json.dumps(partner.get(_api_url(name, world)).json()))
    for user in ("portal-member", "portal-outsider"):
        c = _c(client, world["users"][user])
        for name, kwargs in PORTAL_PAGES.items():
            leaks.append(c.get(reverse(name, kwargs=kwargs(world))).content.decode())
        response = c.get(reverse("networks_portal:consultation_answer", kwargs={"pk": world["closed"].pk}))
        leaks.append(response.content.decode())
    for user in (StaffRole.VIEWER, "other-coordinator"):
        c = _c(client, world["users"][user])
        for name, kwargs in PAGES.items():
            leaks.append(c.get(reverse(name, kwargs=kwargs(world))).content.decode())
        assert c.get(reverse("networks:round_export", kwargs={"pk": world["closed"].pk})).status_code == 403
    for text in leaks:
        assert secret not in text and secret.replace(".", ",") not in text
    # The organization itself and the review's managers do read it.
    own = _c(client, world["users"]["portal-lonely"]).get(
        reverse("networks_portal:consultation_answer", kwargs={"pk": world["closed"].pk})
    )
    assert "7,3917" in own.content.decode() or "7.3917" in own.content.decode()
    manager = _c(client, world["users"][StaffRole.COORDINATOR]).get(
        reverse("networks:round_detail", kwargs={"pk": world["closed"].pk})
    )
    assert "7.3917" in manager.content.decode() or "7,3917" in manager.content.decode()


def test_a_coordinator_opens_reviews_of_their_networks_products_only(client, world):
    from members.models import Product

    c = _c(client, world["users"][StaffRole.COORDINATOR])
    url = reverse("networks:review_create")
    choices = {product.code for product in c.get(url).context["form"].fields["product"].queryset}
    assert choices == set(Product.objects.filter(network="coffee").values_list("code", flat=True))
    cocoa = Product.objects.get(code="cocoa")
    before = Review.objects.count()
    response = c.post(url, {"product": cocoa.pk, "kind": "price", "title": "Cacao"})
    assert response.status_code == 200 and "product" in response.context["form"].errors
    response = c.post(url, {"product": Product.objects.get(code="coffee").pk, "kind": "standard", "title": "Café"})
    assert response.status_code == 302
    assert Review.objects.count() == before + 1
    created = Review.objects.latest("id")
    assert (created.network, created.stage, created.created_by) == (
        world["review"].network,
        "planning",
        world["users"][StaffRole.COORDINATOR],
    )
    assert ReviewEvent.objects.filter(review=created, to_stage="planning").count() == 1


def _api_queries(url: str, client: APIClient) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_api_lists_cost_the_same_queries_with_ten_times_the_rows(world):
    from django.core.cache import cache

    client = _partner(["reviews:read"])
    network = world["review"].network

    def grow(n: int) -> None:
        for _index in range(n):
            review = ReviewFactory(network=network)
            round_ = RoundFactory(
                review=review, opens_on=datetime.date(2021, 1, 1), closes_on=datetime.date(2021, 2, 1)
            )
            org = OrganizationFactory()
            invite(round_, org)
            answer(round_, org, "2.0")
            PriceReferenceFactory(effective_from=datetime.date(2000, 1, 1) + datetime.timedelta(days=len_refs[0]))
            len_refs[0] += 1

    len_refs = [0]
    names = ("review-list", "price-reference-list")
    grow(2)
    _api_queries(reverse("api-v1:review-list"), client)  # the key's first use is recorded once
    cache.clear()
    few = {name: _api_queries(reverse(f"api-v1:{name}"), client) for name in names}
    grow(20)
    cache.clear()
    many = {name: _api_queries(reverse(f"api-v1:{name}"), client) for name in names}
    assert many == few
