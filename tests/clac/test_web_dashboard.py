"""Dashboard home (figures) and the audit history page."""

import pytest
from django.urls import reverse

from members.models import Certification, Organization
from tests.factories import (
    CertificationFactory,
    ExternalPartnerFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
    country,
)


def test_dashboard_home_shows_active_members_by_country_and_kind(client, viewer_user):
    for organization in OrganizationFactory.create_batch(3, country=country("PE")):
        MembershipFactory(organization=organization)
    for organization in OrganizationFactory.create_batch(2, country=country("CO"), kind=Organization.Kind.HL):
        MembershipFactory(organization=organization)
    client.force_login(viewer_user)

    response = client.get(reverse("dashboard:home"))

    assert response.status_code == 200
    figures = response.context["registry_figures"]
    assert figures.active_total == 5
    assert {bar.value: bar.count for bar in figures.active_by_country} == {"PE": 3, "CO": 2}
    assert {bar.value: bar.count for bar in figures.active_by_kind} == {"spo": 3, "hl": 2}
    # Bars against the largest row (3), drawn in SVG: no inline style.
    assert b'width="66.7" height="10"' in response.content
    assert b" style=" not in response.content


def test_dashboard_home_query_count_does_not_grow_with_organizations(
    client, viewer_user, django_assert_max_num_queries
):
    for code in ("PE", "CO", "MX", "BR", "HN", "GT"):
        for organization in OrganizationFactory.create_batch(6, country=country(code)):
            MembershipFactory(organization=organization)
    client.force_login(viewer_user)

    # session, user, roles, the registry's six figures, the governance panel, the portal-switch check.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("dashboard:home"))

    assert response.status_code == 200
    assert response.context["registry_figures"].active_total == 36


def test_dashboard_home_works_on_an_empty_registry(client, admin_user):
    client.force_login(admin_user)

    response = client.get(reverse("dashboard:home"))

    assert response.status_code == 200
    assert response.context["registry_figures"].organization_total == 0
    assert b"No organizations in the registry yet." in response.content


# --- History ------------------------------------------------------------------------------


def _rename(organization: Organization, name: str, user=None) -> None:
    organization.name = name
    if user is not None:
        organization._history_user = user
    organization.save(update_fields=["name"])


def test_viewer_reads_an_organization_history_with_the_changed_field(client, viewer_user):
    editor = UserFactory(username="editor", first_name="Ana", last_name="Quispe")
    organization = OrganizationFactory(name="Cooperativa Vieja")
    _rename(organization, "Cooperativa Nueva", user=editor)
    client.force_login(viewer_user)

    response = client.get(reverse("dashboard:history", kwargs={"model": "organization", "pk": organization.pk}))

    assert response.status_code == 200
    entries = response.context["entries"]
    assert [entry.record.history_type for entry in entries] == ["~", "+"]
    changes = entries[0].changes
    assert [(c.old, c.new) for c in changes] == [("Cooperativa Vieja", "Cooperativa Nueva")]
    content = response.content.decode()
    assert "<del>Cooperativa Vieja</del>" in content
    assert "<ins>Cooperativa Nueva</ins>" in content
    assert "Ana Quispe" in content


def test_history_shows_choice_labels_and_related_names(client, viewer_user):
    certification = CertificationFactory()
    certification.status = "suspended"
    certification.save(update_fields=["status"])
    client.force_login(viewer_user)

    response = client.get(reverse("dashboard:history", kwargs={"model": "certification", "pk": certification.pk}))

    change = response.context["entries"][0].changes[0]
    assert change.field == "status"
    # The labels of the choices, not the stored codes.
    assert (str(change.old), str(change.new)) == (
        str(Certification.Status.CERTIFIED.label),
        str(Certification.Status.SUSPENDED.label),
    )


def test_history_shows_lists_as_translated_labels_not_python_lists(client, staff_user_factory):
    reader = staff_user_factory("viewer", language="es")
    organization = OrganizationFactory(languages=["es", "pt"])
    organization.languages = ["es"]
    organization.save(update_fields=["languages"])
    client.force_login(reader)

    response = client.get(reverse("dashboard:history", kwargs={"model": "organization", "pk": organization.pk}))

    change = response.context["entries"][0].changes[0]
    assert (change.old, change.new) == ("Español, Portugués", "Español")
    content = response.content.decode()
    assert "['es'" not in content and "[&#x27;es&#x27;" not in content


def test_history_of_a_deleted_record_stays_readable(client, viewer_user):
    organization = OrganizationFactory(name="Cooperativa Disuelta")
    pk = organization.pk
    organization.delete()
    client.force_login(viewer_user)

    response = client.get(reverse("dashboard:history", kwargs={"model": "organization", "pk": pk}))

    assert response.status_code == 200
    assert response.context["subject_deleted"] is True
    assert [entry.record.history_type for entry in response.context["entries"]] == ["-", "+"]
    assert "Cooperativa Disuelta" in response.content.decode()


def test_history_of_unknown_model_or_record_is_404(client, viewer_user):
    client.force_login(viewer_user)

    assert client.get(reverse("dashboard:history", kwargs={"model": "user", "pk": 1})).status_code == 404
    assert client.get(reverse("dashboard:history", kwargs={"model": "organization", "pk": 999999})).status_code == 404


def test_portal_user_and_anonymous_are_refused_the_history(client, portal_editor, organization):
    url = reverse("dashboard:history", kwargs={"model": "organization", "pk": organization.pk})

    anonymous = client.get(url)
    assert anonymous.status_code == 302
    assert anonymous.url.startswith(reverse("login"))

    client.force_login(portal_editor)
    assert client.get(url).status_code == 403


def test_history_query_count_does_not_grow_with_records(client, viewer_user, django_assert_max_num_queries):
    organization = OrganizationFactory()
    other_country = country("CO")
    for index in range(40):
        organization.name = f"Cooperativa {index}"
        organization.country = other_country if index % 2 else country("PE")
        organization.save(update_fields=["name", "country"])
    client.force_login(viewer_user)
    url = reverse("dashboard:history", kwargs={"model": "organization", "pk": organization.pk})

    # session, user, roles, count, page, the record past the page, the current row, the
    # countries named in the changes, the portal-switch check.
    with django_assert_max_num_queries(10):
        response = client.get(url)

    assert response.status_code == 200
    assert len(response.context["entries"]) == 41
    country_change = next(c for c in response.context["entries"][0].changes if c.field == "country")
    assert {str(country_change.old), str(country_change.new)} == {str(country("PE")), str(country("CO"))}


def test_history_paginates_and_compares_across_the_page_boundary(client, viewer_user):
    organization = OrganizationFactory(name="Nombre 0")
    for index in range(1, 55):
        _rename(organization, f"Nombre {index}")
    client.force_login(viewer_user)
    url = reverse("dashboard:history", kwargs={"model": "organization", "pk": organization.pk})

    response = client.get(url, {"page": 2})

    entries = response.context["entries"]
    # 55 records, 50 per page: page 2 holds "Nombre 4" … the creation.
    assert [(c.old, c.new) for c in entries[0].changes] == [("Nombre 3", "Nombre 4")]
    assert entries[-1].record.history_type == "+"


@pytest.mark.parametrize("slug", ["organization", "membership", "certification"])
def test_history_url_tag_points_to_the_history_page(db, slug):
    from clac.templatetags.clac_tags import history_url

    factories = {
        "organization": OrganizationFactory,
        "membership": MembershipFactory,
        "certification": CertificationFactory,
    }
    obj = factories[slug].build(pk=7)

    assert history_url(obj) == reverse("dashboard:history", kwargs={"model": slug, "pk": 7})


def test_partner_history_is_for_administrators_like_the_partner_pages(client, viewer_user, admin_user):
    partner = ExternalPartnerFactory(name="Fairtrade Ibérica")
    url = reverse("dashboard:history", args=["externalpartner", partner.pk])

    client.force_login(viewer_user)
    assert client.get(url).status_code == 403

    client.force_login(admin_user)
    response = client.get(url)
    assert response.status_code == 200
    assert "Fairtrade Ibérica" in response.content.decode()
