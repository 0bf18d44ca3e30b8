"""Audience resolution: each rule alone and combined, the skip reasons, one row per person,
and a bounded number of queries whatever the number of people."""

import datetime

import pytest
from django.utils import timezone

from communications.models import Audience, Message, PartnerContact, Suppression
from communications.selectors.audiences import (
    audience_organization_ids,
    audience_preview,
    audience_recipients,
    audience_sample,
)
from members.models import Affiliation, Consent, Organization
from tests.factories import (
    AffiliationFactory,
    ExternalPartnerFactory,
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    country,
    product,
)
from tests.networks.factories import NetworkMembershipFactory, WorkersNetworkFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date.today()


def _audience(**rules) -> Audience:
    m2m = {key: rules.pop(key) for key in ("countries", "networks", "products") if key in rules}
    audience = Audience.objects.create(name=rules.pop("name", "Test audience"), **rules)
    for key, values in m2m.items():
        getattr(audience, key).set(values)
    return audience


def _person_ids(audience: Audience, channel: str = "email") -> list[int]:
    return [row["person_id"] for row in audience_recipients(audience=audience, channel=channel)]


def _consent(person, channel="email", granted=True):
    Consent.objects.create(person=person, channel=channel, granted=granted, given_at=timezone.now(), method="paper")


def test_an_audience_without_rules_reaches_every_person_with_an_active_affiliation():
    current = AffiliationFactory()
    AffiliationFactory(end_date=TODAY + datetime.timedelta(days=3))  # ends later: still active
    ended = AffiliationFactory(end_date=TODAY - datetime.timedelta(days=1))
    PersonFactory()  # no affiliation at all

    ids = _person_ids(_audience())

    assert current.person_id in ids
    assert ended.person_id not in ids
    assert len(ids) == 2


def test_the_organization_kind_rule_selects_by_kind():
    spo = AffiliationFactory(organization=OrganizationFactory(kind=Organization.Kind.SPO))
    hl = AffiliationFactory(organization=OrganizationFactory(kind=Organization.Kind.HL))

    assert _person_ids(_audience(organization_kinds=["hl"])) == [hl.person_id]
    assert spo.person_id not in _person_ids(_audience(name="b", organization_kinds=["hl"]))


def test_the_country_rule_selects_by_the_organizations_country_with_or_inside():
    peru = AffiliationFactory(organization=OrganizationFactory(country=country("PE")))
    colombia = AffiliationFactory(organization=OrganizationFactory(country=country("CO")))
    AffiliationFactory(organization=OrganizationFactory(country=country("BR")))

    ids = _person_ids(_audience(countries=[country("PE"), country("CO")]))

    assert sorted(ids) == sorted([peru.person_id, colombia.person_id])


def test_the_product_rule_selects_organizations_that_trade_the_product():
    coffee_org = OrganizationFactory()
    coffee_org.products.add(product("coffee"))
    coffee = AffiliationFactory(organization=coffee_org)
    AffiliationFactory()

    assert _person_ids(_audience(products=[product("coffee")])) == [coffee.person_id]


def test_the_membership_status_rule_selects_by_clac_status():
    active = AffiliationFactory(organization=MembershipFactory(status="active").organization)
    AffiliationFactory(organization=MembershipFactory(status="suspended").organization)
    AffiliationFactory()  # no membership row

    assert _person_ids(_audience(membership_statuses=["active"])) == [active.person_id]


def test_the_network_rule_takes_current_network_memberships_only():
    workers = WorkersNetworkFactory()
    current = AffiliationFactory()
    NetworkMembershipFactory(network=workers, organization=current.organization)
    former = AffiliationFactory()
    NetworkMembershipFactory(
        network=workers, organization=former.organization, until=TODAY - datetime.timedelta(days=1)
    )

    assert _person_ids(_audience(networks=[workers])) == [current.person_id]


def test_the_role_and_primary_rules_look_at_the_matching_affiliation():
    organization = OrganizationFactory()
    primary_manager = AffiliationFactory(organization=organization, role="manager", is_primary=True)
    manager = AffiliationFactory(organization=organization, role="manager")
    AffiliationFactory(organization=organization, role="delegate", is_primary=True)

    assert sorted(_person_ids(_audience(affiliation_roles=["manager"]))) == sorted(
        [primary_manager.person_id, manager.person_id]
    )
    assert _person_ids(_audience(name="p", affiliation_roles=["manager"], primary_contacts_only=True)) == [
        primary_manager.person_id
    ]


def test_the_language_rule_takes_the_persons_preferred_language():
    spanish = AffiliationFactory(person=PersonFactory(preferred_language="es"))
    AffiliationFactory(person=PersonFactory(preferred_language="pt-br"))

    rows = list(audience_recipients(audience=_audience(languages=["es"]), channel="email"))

    assert [row["person_id"] for row in rows] == [spanish.person_id]
    assert rows[0]["language"] == "es"


def test_rules_combine_with_and_on_the_same_affiliation():
    peru_coffee = OrganizationFactory(country=country("PE"))
    peru_coffee.products.add(product("coffee"))
    colombia_coffee = OrganizationFactory(country=country("CO"))
    colombia_coffee.products.add(product("coffee"))
    hit = AffiliationFactory(organization=peru_coffee, role="manager")
    AffiliationFactory(organization=peru_coffee, role="delegate")
    AffiliationFactory(organization=colombia_coffee, role="manager")
    # Manager in Colombia and delegate in Peru: no single affiliation matches all rules.
    split = PersonFactory()
    AffiliationFactory(person=split, organization=colombia_coffee, role="manager")
    AffiliationFactory(person=split, organization=peru_coffee, role="delegate")

    audience = _audience(countries=[country("PE")], products=[product("coffee")], affiliation_roles=["manager"])

    assert _person_ids(audience) == [hit.person_id]


def test_a_person_in_two_matching_organizations_is_counted_once_with_the_primary_ones_country():
    person = PersonFactory()
    AffiliationFactory(person=person, organization=OrganizationFactory(country=country("CO")))
    AffiliationFactory(person=person, organization=OrganizationFactory(country=country("PE")), is_primary=True)

    rows = list(audience_recipients(audience=_audience(), channel="email"))

    assert len(rows) == 1
    assert rows[0]["country_code"] == "PE"
    assert audience_preview(audience=_audience(name="x"), channel="email")["total"] == 1


def test_skip_reasons_follow_address_suppression_and_consent():
    sendable = AffiliationFactory(person=PersonFactory(email="Ana@Coop.Example.org")).person
    _consent(sendable)
    no_address = AffiliationFactory(person=PersonFactory(email="")).person
    _consent(no_address)
    withdrawn = AffiliationFactory().person
    _consent(withdrawn, granted=False)
    no_consent = AffiliationFactory().person
    blocked = AffiliationFactory().person
    _consent(blocked)
    Suppression.objects.create(channel="email", address=blocked.email.lower(), reason="hard_bounce")

    rows = {row["person_id"]: row for row in audience_recipients(audience=_audience(), channel="email")}

    assert rows[sendable.pk]["skip_reason"] == ""
    assert rows[sendable.pk]["address"] == "ana@coop.example.org"
    assert rows[sendable.pk]["partner_contact_id"] is None
    assert rows[no_address.pk]["skip_reason"] == Message.SkipReason.NO_ADDRESS
    assert rows[withdrawn.pk]["skip_reason"] == Message.SkipReason.CONSENT_WITHDRAWN
    assert rows[no_consent.pk]["skip_reason"] == Message.SkipReason.NO_CONSENT
    assert rows[blocked.pk]["skip_reason"] == Message.SkipReason.SUPPRESSED
    assert audience_preview(audience=_audience(name="p"), channel="email") == {
        "total": 5,
        "sendable": 1,
        "skipped": {"no_address": 1, "consent_withdrawn": 1, "no_consent": 1, "suppressed": 1},
    }


def test_sms_uses_the_phone_and_the_sms_consent():
    person = AffiliationFactory(person=PersonFactory(phone="+51987000111")).person
    _consent(person, channel="sms")
    _consent(person, channel="email", granted=False)

    (row,) = audience_recipients(audience=_audience(), channel="sms")

    assert row["address"] == "+51987000111"
    assert row["skip_reason"] == ""


def test_external_audiences_reach_partner_contacts_by_partner_kind_with_their_consent_dates():
    nfo = ExternalPartnerFactory(kind="nfo", country="DE")
    fi = ExternalPartnerFactory(kind="fi")
    consented = PartnerContact.objects.create(
        partner=nfo, name="Jana", email="Jana@Fairtrade.de", email_consent_at=timezone.now(), preferred_language="en"
    )
    silent = PartnerContact.objects.create(partner=nfo, name="Kurt", email="kurt@fairtrade.de")
    PartnerContact.objects.create(partner=fi, name="Ivo", email="ivo@fairtrade.net", email_consent_at=timezone.now())
    AffiliationFactory()  # registry people are never in an external audience

    rows = list(
        audience_recipients(audience=_audience(scope=Audience.Scope.EXTERNAL, partner_kinds=["nfo"]), channel="email")
    )

    assert [(r["partner_contact_id"], r["person_id"], r["skip_reason"]) for r in rows] == [
        (consented.pk, None, ""),
        (silent.pk, None, Message.SkipReason.NO_CONSENT),
    ]
    assert rows[0]["address"] == "jana@fairtrade.de"
    assert rows[0]["country_code"] == "DE"
    assert rows[0]["language"] == "en"


def test_the_sample_gives_names_organizations_and_languages():
    organization = OrganizationFactory(name="Cooperativa La Florida")
    AffiliationFactory(organization=organization, person=PersonFactory(first_name="Rosa", last_name="Quispe"))

    (row,) = audience_sample(audience=_audience(), channel="email")

    assert row["name"] == "Rosa Quispe"
    assert row["organization"] == "Cooperativa La Florida"
    assert row["language_name"] == "Spanish"
    assert row["skip_reason"] == Message.SkipReason.NO_CONSENT


def test_the_organizations_an_audience_reaches_follow_the_organization_rules():
    peru = OrganizationFactory(country=country("PE"))
    OrganizationFactory(country=country("CO"))

    assert list(audience_organization_ids(audience=_audience(countries=[country("PE")]))) == [peru.pk]
    assert list(audience_organization_ids(audience=_audience(name="e", scope="external"))) == []


def _people(count: int, network) -> None:
    organization = OrganizationFactory()
    organization.products.add(product("coffee"))
    NetworkMembershipFactory(network=network, organization=organization)
    for _ in range(count):
        person = AffiliationFactory(organization=organization, role=Affiliation.Role.MANAGER).person
        _consent(person)


def test_resolution_and_preview_cost_the_same_queries_for_5_or_40_people(django_assert_num_queries):
    workers = WorkersNetworkFactory()
    audience = _audience(
        countries=[country("PE")], products=[product("coffee")], networks=[workers], affiliation_roles=["manager"]
    )
    audience = Audience.objects.prefetch_related("countries", "networks", "products").get(pk=audience.pk)
    _people(5, workers)
    with django_assert_num_queries(1):
        list(audience_recipients(audience=audience, channel="email"))
    with django_assert_num_queries(1):
        audience_preview(audience=audience, channel="email")
    _people(35, workers)
    with django_assert_num_queries(1):
        list(audience_recipients(audience=audience, channel="email"))
    with django_assert_num_queries(1):
        audience_preview(audience=audience, channel="email")
    with django_assert_num_queries(1):
        audience_sample(audience=audience, channel="email")
    assert audience_preview(audience=audience, channel="email") == {"total": 40, "sendable": 40, "skipped": {}}


def test_the_counts_of_every_channel_at_once_agree_with_each_recipients_skip_reason():
    """audience_previews (one query, a consent join per channel) against the recipients query
    (a row per person with its reason), channel by channel, internal and external."""
    from collections import Counter

    from communications.selectors.audiences import RECIPIENT_CHANNELS, audience_previews

    people = [
        AffiliationFactory(person=PersonFactory(email=email, phone=phone)).person
        for email, phone in [
            ("a@coop.example.org", "+51987000001"),
            ("", "+51987000002"),
            ("c@coop.example.org", ""),
            ("d@coop.example.org", "+51987000004"),
            ("e@coop.example.org", "+51987000005"),
        ]
    ]
    for index, channel, granted in [
        (0, "email", True),
        (0, "sms", True),
        (0, "whatsapp", False),
        (1, "sms", True),
        (2, "email", False),
        (3, "whatsapp", True),
        (4, "email", True),
        (4, "sms", True),
    ]:
        _consent(people[index], channel, granted=granted)
    Suppression.objects.create(channel="email", address="e@coop.example.org", reason="complaint")
    Suppression.objects.create(channel="sms", address="+51987000001", reason="hard_bounce")
    nfo = ExternalPartnerFactory(kind="nfo")
    PartnerContact.objects.create(
        partner=nfo, name="Jana", email="jana@x.de", phone="+4915112345678", sms_consent_at=timezone.now()
    )
    PartnerContact.objects.create(partner=nfo, name="Kurt", email="", email_consent_at=timezone.now())

    for audience in (_audience(name="internal"), _audience(name="external", scope=Audience.Scope.EXTERNAL)):
        previews = audience_previews(audience=audience, channels=RECIPIENT_CHANNELS)
        for channel in RECIPIENT_CHANNELS:
            reasons = Counter(row["skip_reason"] for row in audience_recipients(audience=audience, channel=channel))
            expected = {
                "total": sum(reasons.values()),
                "sendable": reasons.pop("", 0),
                "skipped": dict(reasons),
            }
            assert previews[channel] == expected, (audience.name, channel)
    internal = audience_previews(audience=_audience(name="again"), channels=RECIPIENT_CHANNELS)
    assert internal["email"]["sendable"] == 1 and internal["email"]["skipped"]["suppressed"] == 1
    assert internal["sms"]["skipped"]["suppressed"] == 1 and internal["whatsapp"]["sendable"] == 1
