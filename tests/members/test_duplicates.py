"""The duplicate finder and its dashboard pages (list, comparison, merge, dismiss)."""

import pytest
from django.urls import reverse

from clac.roles import StaffRole
from members.duplicates import organization_duplicate_groups, person_duplicate_groups
from members.models import Affiliation, DuplicateDismissal, MergeRecord, Organization, Person
from members.services.merge import duplicate_dismiss
from tests.factories import AffiliationFactory, OrganizationFactory, PersonFactory, country, staff_user

EDITOR_ROLES = [StaffRole.ADMIN, StaffRole.COORDINATOR, StaffRole.ME_OFFICER]


def named_org(name: str, normalized: str, **kwargs) -> Organization:
    return OrganizationFactory(name=name, normalized_name=normalized, **kwargs)


def person(**kwargs) -> Person:
    return PersonFactory(**kwargs)


# --- The finder ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_organizations_with_the_same_name_or_tax_id_in_one_country_are_grouped():
    a = named_org("Coop Pangoa Ltda.", "pangoa", country=country("PE"), tax_id="1")
    b = named_org("COOP PANGOA", "pangoa", country=country("PE"), tax_id="2")
    named_org("Coop Pangoa", "pangoa", country=country("CO"), tax_id="1")  # another country
    c = named_org("Coop Uno", "uno", country=country("MX"), tax_id="RFC123")
    d = named_org("Coop Dos", "dos", country=country("MX"), tax_id="RFC123")
    named_org("Coop Tres", "tres", country=country("MX"), tax_id="")
    named_org("Coop Cuatro", "cuatro", country=country("MX"), tax_id="")

    groups = {group.ids: group.reasons for group in organization_duplicate_groups()}

    assert groups == {tuple(sorted((a.pk, b.pk))): ["name"], tuple(sorted((c.pk, d.pk))): ["tax_id"]}


@pytest.mark.django_db
def test_a_pair_found_by_several_rules_is_shown_once_with_every_reason():
    a = named_org("Coop Pangoa", "pangoa", tax_id="20131540681")
    b = named_org("Coop Pangoa", "pangoa", tax_id="20131540681")

    groups = organization_duplicate_groups()

    assert len(groups) == 1
    assert groups[0].ids == tuple(sorted((a.pk, b.pk)))
    assert sorted(groups[0].reasons) == ["name", "tax_id"]


@pytest.mark.django_db
def test_people_with_the_same_email_in_another_case_or_the_same_phone_are_grouped():
    a = person(email="ana@coop.org", phone="+51911111111")
    b = person(email="ANA@coop.org", phone="+51922222222")
    c = person(email="c@coop.org", phone="+51933333333")
    d = person(email="d@coop.org", phone="+51933333333")
    person(email="", phone="")
    person(email="", phone="")

    groups = {group.ids: group.reasons for group in person_duplicate_groups()}

    assert groups == {(a.pk, b.pk): ["email"], (c.pk, d.pk): ["phone"]}


@pytest.mark.django_db
def test_people_with_the_same_name_count_as_duplicates_only_within_one_organization():
    org, other = OrganizationFactory(), OrganizationFactory()
    a = person(first_name="José", last_name="Pérez", normalized_name="perez jose")
    b = person(first_name="Jose", last_name="Perez", normalized_name="perez jose")
    c = person(first_name="José", last_name="Pérez", normalized_name="perez jose")
    AffiliationFactory(person=a, organization=org, role="manager")
    AffiliationFactory(person=a, organization=org, role="delegate")  # the same person twice: not a pair
    AffiliationFactory(person=b, organization=org, role="board_member")
    AffiliationFactory(person=c, organization=other, role="manager")

    groups = {group.ids: group.reasons for group in person_duplicate_groups()}

    assert groups == {(a.pk, b.pk): ["name_in_organization"]}


@pytest.mark.django_db
def test_dismissed_pairs_are_not_proposed_again(admin_user):
    a = person(email="ana@coop.org")
    b = person(email="ana@coop.org")
    c = person(email="ana@coop.org")
    x = person(phone="+51944444444")
    y = person(phone="+51944444444")

    duplicate_dismiss(actor=admin_user, kind="person", first_id=y.pk, second_id=x.pk)
    duplicate_dismiss(actor=admin_user, kind="person", first_id=b.pk, second_id=a.pk)

    groups = person_duplicate_groups()
    assert [(g.ids, g.pairs) for g in groups] == [((a.pk, b.pk, c.pk), [(a.pk, c.pk), (b.pk, c.pk)])]
    dismissal = DuplicateDismissal.objects.get(first_id=a.pk)
    assert (dismissal.second_id, dismissal.dismissed_by) == (b.pk, admin_user)


@pytest.mark.django_db
def test_the_finder_runs_a_fixed_number_of_queries(django_assert_max_num_queries):
    for index in range(30):
        someone = person(email=f"dup{index % 10}@coop.org", normalized_name=f"name {index % 5}")
        org = named_org(f"Coop {index % 7}", f"coop {index % 7}", tax_id=f"T{index % 6}")
        AffiliationFactory(person=someone, organization=org)

    # At most two queries per rule (one-column keys take one) and one for the dismissals.
    with django_assert_max_num_queries(7):
        assert len(person_duplicate_groups()) >= 10
    with django_assert_max_num_queries(7):
        assert len(organization_duplicate_groups()) >= 7


# --- The pages -------------------------------------------------------------------------------


@pytest.fixture
def org_pair(db):
    a = named_org("Coop Pangoa", "pangoa", locality="Pangoa")
    b = named_org("COOP PANGOA LTDA", "pangoa", locality="")
    return a, b


@pytest.mark.django_db
@pytest.mark.parametrize("role", EDITOR_ROLES)
def test_registry_editors_see_duplicates_and_compare_pairs(client, role, org_pair):
    a, b = org_pair
    client.force_login(staff_user(role))

    listing = client.get(reverse("members:duplicate_list"))
    compare = client.get(reverse("members:duplicate_compare", args=["organization", a.pk, b.pk]))

    assert listing.status_code == 200
    assert reverse("members:duplicate_compare", args=["organization", a.pk, b.pk]).encode() in listing.content
    assert compare.status_code == 200
    assert b"Pangoa" in compare.content
    assert b'type="radio"' in compare.content


@pytest.mark.django_db
@pytest.mark.parametrize("role", [StaffRole.VIEWER, StaffRole.FINANCE, StaffRole.COMMUNICATIONS])
def test_other_staff_cannot_use_the_duplicate_pages(client, role, org_pair):
    a, b = org_pair
    client.force_login(staff_user(role))

    assert client.get(reverse("members:duplicate_list")).status_code == 403
    assert client.get(reverse("members:duplicate_compare", args=["organization", a.pk, b.pk])).status_code == 403
    merge = reverse("members:duplicate_merge", args=["organization", a.pk, b.pk])
    assert client.post(merge, {"survivor": a.pk}).status_code == 403
    dismiss = reverse("members:duplicate_dismiss", args=["organization", a.pk, b.pk])
    assert client.post(dismiss).status_code == 403
    assert Organization.objects.count() == 2
    assert not DuplicateDismissal.objects.exists()


@pytest.mark.django_db
def test_portal_users_and_anonymous_users_are_refused(client, portal_editor, org_pair):
    a, b = org_pair
    urls = [
        reverse("members:duplicate_list"),
        reverse("members:duplicate_compare", args=["organization", a.pk, b.pk]),
    ]
    posts = [
        reverse("members:duplicate_merge", args=["organization", a.pk, b.pk]),
        reverse("members:duplicate_dismiss", args=["organization", a.pk, b.pk]),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]
    for url in posts:
        response = client.post(url, {"survivor": a.pk})
        assert response.status_code == 302 and reverse("login") in response["Location"]

    client.force_login(portal_editor)
    for url in urls:
        assert client.get(url).status_code == 403
    for url in posts:
        assert client.post(url, {"survivor": a.pk}).status_code == 403
    assert Organization.objects.filter(pk__in=[a.pk, b.pk]).count() == 2
    assert not MergeRecord.objects.exists()


@pytest.mark.django_db
def test_merging_from_the_comparison_page_asks_for_confirmation_first(client, admin_user, org_pair):
    a, b = org_pair
    AffiliationFactory(organization=b)
    client.force_login(admin_user)
    url = reverse("members:duplicate_merge", args=["organization", a.pk, b.pk])

    preview = client.post(url, {"survivor": a.pk})

    # The first POST only shows what will happen; nothing is merged yet.
    assert preview.status_code == 200
    assert Organization.objects.filter(pk=b.pk).exists()
    assert not MergeRecord.objects.exists()
    assert Affiliation.objects.get().organization_id == b.pk
    html = preview.content.decode()
    assert "1 row of affiliations moved to the record that stays." in html
    assert 'name="confirmed"' in html

    response = client.post(url, {"survivor": a.pk, "confirmed": "True"})

    record = MergeRecord.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("members:merge_record_detail", kwargs={"pk": record.pk})
    assert not Organization.objects.filter(pk=b.pk).exists()
    assert Affiliation.objects.get().organization_id == a.pk
    assert (record.survivor_id, record.merged_id, record.actor) == (a.pk, b.pk, admin_user)
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "1 row of affiliations moved to the record that stays." in page.content.decode()


@pytest.mark.django_db
def test_merging_people_from_the_page(client, admin_user):
    a = person(email="ana@coop.org")
    b = person(email="ANA@coop.org")
    client.force_login(admin_user)
    url = reverse("members:duplicate_merge", args=["person", a.pk, b.pk])

    assert client.post(url, {"survivor": b.pk}).status_code == 200
    assert Person.objects.count() == 2
    response = client.post(url, {"survivor": b.pk, "confirmed": "True"})

    assert response["Location"] == reverse("members:merge_record_detail", kwargs={"pk": MergeRecord.objects.get().pk})
    assert list(Person.objects.values_list("pk", flat=True)) == [b.pk]


@pytest.mark.django_db
def test_a_merge_without_a_valid_survivor_is_refused_and_changes_nothing(client, admin_user, org_pair):
    a, b = org_pair
    other = OrganizationFactory()
    client.force_login(admin_user)
    url = reverse("members:duplicate_merge", args=["organization", a.pk, b.pk])

    for data in ({}, {"survivor": other.pk}, {"survivor": "x"}):
        response = client.post(url, data)
        assert response.status_code == 400

    assert Organization.objects.count() == 3
    assert not MergeRecord.objects.exists()


@pytest.mark.django_db
def test_pairs_of_unknown_kinds_or_missing_records_are_404(client, admin_user, org_pair):
    a, b = org_pair
    client.force_login(admin_user)

    assert client.get(reverse("members:duplicate_compare", args=["invoice", a.pk, b.pk])).status_code == 404
    assert client.get(reverse("members:duplicate_compare", args=["organization", a.pk, 999999])).status_code == 404
    assert client.get(reverse("members:duplicate_compare", args=["organization", a.pk, a.pk])).status_code == 404
    assert client.post(reverse("members:duplicate_merge", args=["organization", a.pk, a.pk]), {}).status_code == 404
    assert client.get(reverse("members:duplicate_list") + "?kind=invoice").status_code == 404


@pytest.mark.django_db
def test_dismissing_a_pair_from_the_page(client, admin_user, org_pair):
    a, b = org_pair
    client.force_login(admin_user)

    response = client.post(reverse("members:duplicate_dismiss", args=["organization", b.pk, a.pk]))

    assert response.status_code == 302
    dismissal = DuplicateDismissal.objects.get()
    assert (dismissal.kind, dismissal.first_id, dismissal.second_id) == ("organization", a.pk, b.pk)
    assert organization_duplicate_groups() == []
    assert client.get(reverse("members:duplicate_dismiss", args=["organization", a.pk, b.pk])).status_code == 405


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["organization", "person"])
def test_the_duplicate_list_query_count_does_not_grow_with_groups(
    client, admin_user, kind, django_assert_max_num_queries
):
    client.force_login(admin_user)
    for index in range(20):
        for _ in range(2):
            org = named_org(f"Coop {index}", f"coop {index}")
            someone = person(email=f"dup{index}@coop.org")
            AffiliationFactory(person=someone, organization=org)

    with django_assert_max_num_queries(14):
        response = client.get(reverse("members:duplicate_list") + f"?kind={kind}")

    assert response.status_code == 200
    assert response.context["total"] == 20


@pytest.mark.django_db
def test_the_comparison_page_shows_what_a_merge_moves(client, admin_user, org_pair):
    a, b = org_pair
    AffiliationFactory(organization=b)
    AffiliationFactory(organization=b)
    client.force_login(admin_user)

    response = client.get(reverse("members:duplicate_compare", args=["organization", a.pk, b.pk]))

    assert [counts for _label, counts in response.context["relations"]] == [[0, 2]]
    # The record with more attached rows is suggested as the one that stays.
    assert response.context["form"].initial["survivor"] == b.pk
