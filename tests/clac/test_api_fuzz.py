"""Schemathesis over EVERY operation of the API, with all its checks (server errors, status
codes, content types, response schemas, negative data rejected, positive data accepted, auth
ignored, unsupported methods, …), once as a partner key with every scope and once as a staff
administrator's token. A few derandomized examples per operation keep it around a minute;
any finding fails the build (CI runs the integration tests)."""

from collections.abc import Iterator

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from rest_framework.test import APIClient
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.modes import GenerationMode
from schemathesis.schemas import BaseSchema

from clac.api.scopes import SCOPES
from clac.roles import StaffRole
from clac.services import staff_token_create
from clac.wsgi import application
from communications.services import api_key_create
from members.models import Membership
from tests.factories import (
    AffiliationFactory,
    CertificationFactory,
    ExternalPartnerFactory,
    MembershipFactory,
    OrganizationFactory,
    PersonFactory,
    YearlyReportFactory,
    staff_user,
)
from tests.networks.factories import BodyFactory, CountryNetworkFactory, NetworkMembershipFactory

pytestmark = pytest.mark.integration

# All checks, as configured by default, with one allowance: valid data (by the schema) may be
# refused with a 400 when the refusal is about data a schema cannot describe: an id or a code
# that names nothing in the database, a business rule (a mandate's end before its start, a
# seat already held). Every such 400 still has the standard error body, checked by the schema.
FUZZ_CONFIG = SchemathesisConfig.from_dict(
    {"checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "400", "401", "403", "404", "409", "429"]}}}
)
EXAMPLES = {GenerationMode.POSITIVE: 3, GenerationMode.NEGATIVE: 2}
FUZZ_SETTINGS = settings(
    max_examples=3,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    # The database fixture is function-scoped on purpose: every operation runs in one rolled-back
    # transaction, over the same small registry.
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture
def api_schema(db) -> Iterator[BaseSchema]:
    # Requests go through the WSGI application, not Django's test client: like the test client,
    # keep the test's transaction open (Django closes a connection that is not in autocommit at
    # the end of each request).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        # Built from the running app, as a client reads /api/schema/.
        yield schemathesis.openapi.from_wsgi("/api/schema/", application, config=FUZZ_CONFIG)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def fuzz_every_operation(schema: BaseSchema, headers: dict[str, str]) -> list[str]:
    """Valid and invalid examples of each operation, all checks on each response; returns the
    findings (schemathesis's own reports). Not schemathesis' pytest plugin: its subtests need
    a pytest API that pytest 9 removed."""
    findings: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(FUZZ_SETTINGS, max_examples=EXAMPLES[mode])
            def run(case: schemathesis.Case) -> None:
                case.call_and_validate(headers=headers)

            try:
                run()
            except (Exception, BaseExceptionGroup) as error:  # every finding is reported, then the test fails
                findings.append(f"{operation.label} ({mode}): {error}")
    return findings


@pytest.fixture
def registry(db, settings) -> Iterator[None]:
    """A small registry in every state the API shows: members of each membership status with
    people, certifications, reports, a network and a body."""
    for status in Membership.Status.values:
        organization = OrganizationFactory()
        MembershipFactory(organization=organization, status=status)
        AffiliationFactory(organization=organization, person=PersonFactory())
        CertificationFactory(organization=organization)
        YearlyReportFactory(organization=organization)
    network = CountryNetworkFactory()
    NetworkMembershipFactory(network=network, organization=organization)
    BodyFactory(network=network)
    # The per-key throttle would turn the fuzzer's bursts into 429s.
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"per_key": "1000000/hour"},
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def partner_headers(registry) -> dict[str, str]:
    _key, raw = api_key_create(partner=ExternalPartnerFactory(), name="fuzzer", scopes=list(SCOPES))
    return {"Authorization": f"Api-Key {raw}"}


@pytest.fixture
def staff_headers(registry) -> dict[str, str]:
    _token, raw = staff_token_create(user=staff_user(StaffRole.ADMIN, username="fuzzer"), name="fuzzer")
    return {"Authorization": f"Token {raw}"}


def test_api_conforms_to_its_schema_for_a_partner_key(api_schema, partner_headers):
    findings = fuzz_every_operation(api_schema, partner_headers)
    assert not findings, "\n\n".join(findings)


def test_api_conforms_to_its_schema_for_a_staff_token(api_schema, staff_headers):
    findings = fuzz_every_operation(api_schema, staff_headers)
    assert not findings, "\n\n".join(findings)


def test_the_fuzzer_reaches_every_operation(db):
    # A schema that fails to load or an operation left out would silently shrink the run.
    document = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operations = [(path, method) for path, item in document["paths"].items() for method in item]
    assert len(operations) > 50
