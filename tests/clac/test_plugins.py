"""The registries apps plug into (clac.plugins): what the installed apps declared reaches the
platform, and a wrong declaration stops the start-up with a clear message."""

from types import SimpleNamespace

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from clac import plugins
from clac.plugins import AppPlugin, HistoryModel, NavEntry


@pytest.fixture
def isolated_registry(monkeypatch):
    """An empty registry for the test; the installed apps' one comes back afterwards."""
    monkeypatch.setattr(plugins, "_PLUGINS", {})
    return plugins


def test_installed_apps_are_registered_in_dependency_order():
    assert [p.app for p in plugins.plugins()][:5] == ["clac", "members", "networks", "finance", "communications"]


def test_menus_follow_the_declared_order_across_apps():
    labels = [str(entry.url_name) for entry in plugins.dashboard_navigation()]
    assert labels[0] == "dashboard:home"
    assert labels.index("members:organization_list") < labels.index("dashboard:job_list")
    assert labels.index("communications:partner_list") < labels.index("admin:index")


def test_history_slugs_resolve_to_the_declaring_apps_models():
    from communications.models import ExternalPartner
    from members.models import Organization

    assert plugins.history_slug_for(Organization) == "organization"
    assert plugins.history_slug_for(ExternalPartner) == "externalpartner"
    assert reverse("dashboard:history", kwargs={"model": "organization", "pk": 1})


def test_an_app_listed_before_an_app_it_requires_is_refused(isolated_registry):
    isolated_registry.register(AppPlugin(app="networks", requires=("members",)))

    with pytest.raises(ImproperlyConfigured, match="requires members: list them before it in INSTALLED_APPS"):
        isolated_registry._check()


def test_a_plugin_module_must_define_its_plugin(isolated_registry, monkeypatch):
    monkeypatch.setattr(plugins.importlib.util, "find_spec", lambda name: object())
    monkeypatch.setattr(plugins.importlib, "import_module", lambda name: SimpleNamespace(plugin=None))

    with pytest.raises(ImproperlyConfigured, match="must define `plugin = AppPlugin"):
        isolated_registry.discover([SimpleNamespace(name="broken", label="broken")])


def test_a_route_declared_by_two_apps_is_refused(isolated_registry):
    isolated_registry.register(AppPlugin(app="a", access_catalogue={"x:page": plugins.ACCESS_STAFF}))
    isolated_registry.register(AppPlugin(app="b", access_catalogue={"x:page": plugins.ACCESS_STAFF}))

    with pytest.raises(ImproperlyConfigured, match="declared by two apps"):
        isolated_registry.access_catalogue()


def test_an_unknown_access_level_is_refused(isolated_registry):
    isolated_registry.register(AppPlugin(app="a", access_catalogue={"x:page": "everyone"}))

    with pytest.raises(ImproperlyConfigured, match="unknown access levels"):
        isolated_registry._check()


def test_two_apps_cannot_both_provide_the_portal_gate(isolated_registry):
    gate = plugins.PortalGate(accesses=lambda user: None)
    isolated_registry.register(AppPlugin(app="a", portal_gate=gate))
    isolated_registry.register(AppPlugin(app="b", portal_gate=gate))

    with pytest.raises(ImproperlyConfigured, match="Only one app may provide portal_gate"):
        isolated_registry._check()


def test_a_beat_entry_declared_twice_is_refused(isolated_registry):
    entry = {"task": "t", "schedule": 60}
    isolated_registry.register(AppPlugin(app="a", beat_schedule={"nightly": entry}))
    isolated_registry.register(AppPlugin(app="b", beat_schedule={"nightly": entry}))

    with pytest.raises(ImproperlyConfigured, match="declared twice"):
        isolated_registry.beat_schedule()


def test_emit_calls_every_listener_in_dependency_order(isolated_registry):
    calls = []
    isolated_registry.register(AppPlugin(app="a", listeners={"changed": lambda **kw: calls.append(("a", kw))}))
    isolated_registry.register(AppPlugin(app="b"))
    isolated_registry.register(AppPlugin(app="c", listeners={"changed": lambda **kw: calls.append(("c", kw))}))

    isolated_registry.emit("changed", organization_id=7)
    isolated_registry.emit("nobody-listens", organization_id=8)

    assert calls == [("a", {"organization_id": 7}), ("c", {"organization_id": 7})]


def test_role_scope_is_the_providing_apps_and_only_one_app_may_scope_a_role(isolated_registry):
    scope = lambda user: {1, 2}  # noqa: E731
    isolated_registry.register(AppPlugin(app="a", role_scopes={"coordinator": scope}))

    assert isolated_registry.role_scope("coordinator") is scope
    assert isolated_registry.role_scope("viewer") is None

    isolated_registry.register(AppPlugin(app="b", role_scopes={"coordinator": scope}))
    with pytest.raises(ImproperlyConfigured, match="scoped by two apps"):
        isolated_registry._check()


def test_panels_and_nav_entries_sort_by_order_then_app(isolated_registry):
    isolated_registry.register(AppPlugin(app="a", dashboard_nav=(NavEntry("A", "a:x", order=5),)))
    isolated_registry.register(AppPlugin(app="b", dashboard_nav=(NavEntry("B", "b:x", order=1),)))
    isolated_registry.register(AppPlugin(app="c", dashboard_nav=(NavEntry("C", "c:x", order=5),)))

    assert [e.label for e in isolated_registry.dashboard_navigation()] == ["B", "A", "C"]


def test_history_models_of_all_apps_are_one_map(isolated_registry):
    isolated_registry.register(AppPlugin(app="a", history_models=(HistoryModel("thing", "a.Thing"),)))

    assert isolated_registry.history_models()["thing"].model == "a.Thing"


def test_record_links_are_the_models_own_in_order(isolated_registry):
    isolated_registry.register(
        AppPlugin(
            app="a",
            record_links=(
                plugins.RecordLink("members.Person", "Later", "a:later", order=50),
                plugins.RecordLink("members.Organization", "Elsewhere", "a:other"),
            ),
        )
    )
    isolated_registry.register(
        AppPlugin(app="b", record_links=(plugins.RecordLink("members.person", "First", "b:x", order=1),))
    )

    assert [link.label for link in isolated_registry.record_links("members.Person")] == ["First", "Later"]
    assert isolated_registry.record_links("members.Affiliation") == []


@pytest.mark.django_db
def test_the_record_links_tag_shows_only_what_the_users_roles_may_open(isolated_registry, rf):
    from django.contrib.auth.models import AnonymousUser

    from clac.templatetags.clac_tags import record_links
    from tests.factories import PersonFactory, UserFactory

    isolated_registry.register(
        AppPlugin(
            app="a",
            record_links=(
                plugins.RecordLink(
                    "members.Person", "For finance", "members:person_detail", roles=frozenset({"finance"})
                ),
                plugins.RecordLink("members.Person", "For all staff", "members:person_detail"),
            ),
        )
    )
    person = PersonFactory()
    url = reverse("members:person_detail", args=[person.pk])

    def links_for(user):
        request = rf.get("/")
        request.user = user
        return record_links({"request": request}, person)

    assert links_for(UserFactory(username="rl-finance", roles=["finance"])) == [
        ("For finance", url),
        ("For all staff", url),
    ]
    assert links_for(UserFactory(username="rl-viewer", roles=["viewer"])) == [("For all staff", url)]
    # Not staff (a portal user) or not signed in: no links at all.
    assert links_for(UserFactory(username="rl-nobody")) == []
    assert links_for(AnonymousUser()) == []
