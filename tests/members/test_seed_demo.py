"""`manage.py seed_demo`: deterministic, realistic demo data, and safe to run twice."""

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F, Sum
from django.utils import timezone

from clac import plugins
from clac.api.keys import key_hash
from clac.models import User
from clac.plugins import DemoContext
from clac.roles import PortalRole, StaffRole
from communications.models import ApiKey
from members import demo, rules
from members.demo import DEMO_PASSWORD, MIN_ORGANIZATIONS
from members.demo.data.showcases import SHOWCASES
from members.demo.reports import report_years
from members.models import (
    Affiliation,
    Certification,
    Membership,
    MembershipEvent,
    Organization,
    Person,
    PortalAccess,
    YearlyReport,
    YearlyReportEvent,
    YearlyReportProduct,
)

ORGANIZATIONS = 120  # a reduced scale keeps the module around ten seconds


def _seed(*args: str, seed: int) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, organizations=ORGANIZATIONS, seed=seed, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """Seed once for the module (committed), and remove it all afterwards so the rest of the
    suite sees an empty registry. Each test still runs in its own rolled-back transaction."""
    with django_db_blocker.unblock():
        output = _seed(seed=3)
        try:
            yield output
        finally:
            for _app, seeder in reversed(plugins.demo_seeders()):
                seeder.flush()


def _fingerprint() -> dict[str, list]:
    return {
        "organizations": sorted(
            Organization.objects.values_list(
                "country_id", "kind", "name", "flo_id", "tax_id", "latitude", "parent__name"
            )
        ),
        "memberships": sorted(
            Membership.objects.values_list("organization__name", "status", "joined_on", "dues_category")
        ),
        "certifications": sorted(
            Certification.objects.values_list("organization__name", "status", "cycle_end", "last_audit_type")
        ),
        "people": sorted(Person.objects.values_list("first_name", "last_name", "email", "phone")),
        "reports": sorted(
            YearlyReport.objects.values_list(
                "organization__name", "year", "status", "members_total", "members_women", "premium_amount"
            )
        ),
        "volumes": sorted(
            YearlyReportProduct.objects.values_list("report__organization__name", "report__year", "volume_produced")
        ),
    }


@pytest.mark.django_db
def test_same_seed_gives_the_same_data_and_another_seed_does_not(seeded):
    first_seed_3 = _fingerprint()

    _seed("--flush", seed=5)
    run_one = _fingerprint()
    _seed("--flush", seed=5)
    run_two = _fingerprint()

    assert run_one == run_two
    assert len(run_one["organizations"]) == ORGANIZATIONS
    assert run_one["organizations"] != first_seed_3["organizations"]


@pytest.mark.django_db
def test_second_run_without_flush_refuses_and_changes_nothing(seeded):
    before = _fingerprint()
    users = User.objects.count()

    with pytest.raises(CommandError, match=r"already has .*--flush"):
        _seed(seed=3)

    assert _fingerprint() == before
    assert User.objects.count() == users


@pytest.mark.django_db
def test_the_printed_addresses_use_the_demos_port(seeded):
    output = _seed("--flush", "--port", "8123", seed=3)

    assert "Open http://127.0.0.1:8123/" in output
    assert "http://127.0.0.1:8123/api/v1/" in output
    assert ":8000" not in output


def test_the_demo_port_defaults_to_the_makefiles_demo_port_variable(monkeypatch):
    from clac.management.commands.seed_demo import Command

    monkeypatch.setenv("DEMO_PORT", "8765")
    assert Command().create_parser("manage.py", "seed_demo").parse_args([]).port == 8765
    monkeypatch.delenv("DEMO_PORT")
    assert Command().create_parser("manage.py", "seed_demo").parse_args([]).port == 8000


@pytest.mark.django_db
def test_too_few_organizations_is_refused_before_writing(seeded):
    before = _fingerprint()

    with pytest.raises(CommandError, match="at least"):
        call_command("seed_demo", "--flush", organizations=10, stdout=io.StringIO())

    assert _fingerprint() == before


@pytest.mark.django_db
def test_proportions_follow_the_real_network(seeded):
    total = Organization.objects.count()
    spo = Organization.objects.filter(kind__in=[Organization.Kind.SPO, Organization.Kind.SPO2]).count()
    assert 0.80 <= spo / total <= 0.95
    assert Organization.objects.filter(kind=Organization.Kind.HL).exists()
    assert Organization.objects.filter(kind=Organization.Kind.SPO2, children__isnull=False).exists()
    assert Organization.objects.values("country").distinct().count() == 24

    year = report_years(timezone.localdate())[1]
    reports = YearlyReport.objects.filter(year=year)
    people = reports.aggregate(n=Sum("members_total"))["n"]
    big_three = reports.filter(organization__country_id__in=["PE", "CO", "MX"]).aggregate(n=Sum("members_total"))["n"]
    assert 0.35 <= big_three / people <= 0.65

    sizes = list(reports.values_list("members_total", flat=True))
    assert min(sizes) < 30 and max(sizes) > 1000  # heavily skewed sizes


@pytest.mark.django_db
def test_every_report_has_possible_numbers_and_a_log_matching_its_status(seeded):
    assert YearlyReport.objects.count() > 2 * ORGANIZATIONS
    assert not YearlyReport.objects.filter(members_women__gt=F("members_total")).exists()
    assert not YearlyReport.objects.filter(members_youth__gt=F("members_total")).exists()
    assert not YearlyReportProduct.objects.filter(volume_sold_fairtrade__gt=F("volume_produced")).exists()
    assert not YearlyReport.objects.filter(status="approved", premium_amount__isnull=False, premium_usd=None).exists()
    assert set(YearlyReport.objects.values_list("status", flat=True)) == set(YearlyReport.Status.values)
    for report in YearlyReport.objects.prefetch_related("events"):
        actions = [e.action for e in report.events.all()]
        assert actions[0] == YearlyReportEvent.Action.CREATED
        if report.status != YearlyReport.Status.DRAFT:
            assert (
                actions[-1] == {"submitted": "submitted", "approved": "approved", "returned": "returned"}[report.status]
            )
    # Every report passes the refusal rules (issue #12 item 2), and the queue shows a flagged one.
    for report in YearlyReport.objects.prefetch_related("product_lines", "premium_uses"):
        for line in report.product_lines.all():
            assert not rules.product_line_problems(
                produced=line.volume_produced, fairtrade=line.volume_sold_fairtrade, other=line.volume_sold_other
            ), report
        uses = [use.amount for use in report.premium_uses.all()]
        assert rules.premium_uses_problem(premium_amount=report.premium_amount, uses=uses) is None, report
    assert YearlyReport.objects.filter(status="submitted").exclude(review_flags=[]).exists()
    # Audit history exists for the main records.
    assert YearlyReport.history.count() == YearlyReport.objects.count()
    assert Organization.history.filter(history_user__username="admin").count() == Organization.objects.count()


@pytest.mark.django_db
def test_coordinates_lie_inside_their_country(seeded):
    for org in Organization.objects.select_related("country").exclude(latitude=None):
        assert org.country.contains(Decimal(org.latitude), Decimal(org.longitude)), org


@pytest.mark.django_db
def test_memberships_follow_allowed_transitions_and_some_need_review(seeded):
    for membership in Membership.objects.prefetch_related("events"):
        events = sorted(membership.events.all(), key=lambda e: (e.occurred_on, e.id))
        current = ""
        for event in events:
            assert event.from_status == current
            assert not current or event.to_status in Membership.ALLOWED_TRANSITIONS[current]
            current = event.to_status
        assert current == membership.status
    assert MembershipEvent.objects.filter(actor__username="admin").count() == MembershipEvent.objects.count()
    assert Membership.objects.filter(status=Membership.Status.SUSPENDED).exists()
    assert Membership.objects.exclude(review_requested_at=None).exclude(review_reason="").exists()
    assert Certification.objects.filter(status=Certification.Status.CERTIFIED).count() > ORGANIZATIONS // 2


@pytest.mark.django_db
def test_staff_users_exist_for_every_role_with_the_printed_password(seeded):
    for role in StaffRole.values:
        user = User.objects.get(username=role)
        assert user.groups.filter(name=role).exists()
        assert user.check_password(DEMO_PASSWORD)
    admin = User.objects.get(username=StaffRole.ADMIN)
    assert admin.is_superuser and admin.is_staff
    assert DEMO_PASSWORD in seeded


@pytest.mark.django_db
def test_portal_users_have_access_and_one_switches_between_two_organizations(seeded):
    for showcase in SHOWCASES:
        if showcase.username:
            access = PortalAccess.objects.get(user__username=showcase.username, organization__name=showcase.name)
            assert access.role == showcase.portal_role
            # The portal user is also a person working for the organization.
            assert Affiliation.objects.filter(
                organization=access.organization, person__email=access.user.email, role="manager"
            ).exists()
    assert PortalAccess.objects.filter(user__username="central.norte").count() == 2
    coordinator = PortalAccess.objects.get(user__username=StaffRole.COORDINATOR)
    assert coordinator.role == PortalRole.EDITOR


@pytest.mark.django_db
def test_printed_partner_key_is_a_working_key_with_directory_scopes(seeded):
    raw_key = re.search(r"Api-Key (\S+)\"", seeded).group(1)
    key = ApiKey.objects.get(hashed_key=key_hash(raw_key))
    assert key.partner.name == "Fairtrade International"
    assert key.scopes == ["directory:read", "stats:read"]
    assert key.is_usable
    assert raw_key not in str(ApiKey.objects.values_list("prefix", "hashed_key", "name"))


@pytest.mark.django_db
def test_planted_duplicates_are_there_for_the_finder(seeded):
    by_name = Organization.objects.values_list("country_id", "normalized_name")
    assert len(by_name) - len(set(by_name)) >= 1
    taxes = list(Organization.objects.exclude(tax_id="").values_list("tax_id", flat=True))
    assert len(taxes) - len(set(taxes)) >= 1
    emails = [e.lower() for e in Person.objects.exclude(email="").values_list("email", flat=True)]
    assert len(emails) - len(set(emails)) >= 1


@pytest.mark.django_db
def test_rows_keep_their_planned_dates_and_their_first_history_row_carries_them(seeded):
    today = timezone.localdate()
    for org in Organization.objects.all():
        first = org.history.earliest("history_date")
        assert org.created_at.date() < today, org
        assert first.history_date == org.created_at
        assert (first.created_at, first.updated_at) == (org.created_at, org.updated_at)
    assert not YearlyReportEvent.objects.filter(created_at__date__gt=today).exists()
    # Timestamps are written after the insert: the fields keep their auto_now flags.
    assert Organization._meta.get_field("created_at").auto_now_add
    assert Organization._meta.get_field("updated_at").auto_now


@pytest.mark.django_db
@pytest.mark.django_db
def test_seeder_leaves_its_users_and_organizations_for_later_seeders():
    # Later apps' demo rows (e.g. seats in bodies) point at the registry: flush them first.
    for _app, seeder in reversed(plugins.demo_seeders()):
        seeder.flush()
    ctx = DemoContext(
        seed=7, scale="small", organizations=MIN_ORGANIZATIONS, today=timezone.localdate(), log=None, shared={}
    )

    keys_before = ApiKey.objects.count()

    report = demo.seed(ctx)

    assert ctx.shared["admin"].username == StaffRole.ADMIN
    assert set(ctx.shared["staff_users"]) == set(StaffRole.values)
    assert {s.username for s in SHOWCASES if s.username} <= set(ctx.shared["users"])
    assert sorted(ctx.shared["organizations"]) == sorted(Organization.objects.values_list("pk", flat=True))
    assert report.counts["organizations"] == MIN_ORGANIZATIONS == Organization.objects.count()
    assert any(DEMO_PASSWORD in line for line in report.logins)
    assert demo.is_empty() == (False, f"{MIN_ORGANIZATIONS} organizations")
    # Partners and their keys are the communications seeder's, which runs after this one.
    assert not any("Api-Key" in line for line in report.logins)
    assert ApiKey.objects.count() == keys_before


@pytest.mark.django_db
def test_the_review_queue_shows_each_reason_and_a_pair_differs_only_in_email_case(seeded):
    from collections import Counter

    from members.selectors import ReviewReason, membership_review_queue

    reasons = Counter(membership_review_queue().values_list("review_kind", flat=True))
    assert {kind: reasons[kind] >= 3 for kind in ReviewReason.values} == dict.fromkeys(ReviewReason.values, True)
    emails = list(Person.objects.exclude(email="").values_list("email", flat=True))
    assert any(a != b and a.lower() == b.lower() for a in emails for b in emails if a[0].lower() == b[0].lower())
