"""The platform stays on the ground floor: no module of `clac/` imports an app, not even inside
a function (import-linter checks the same in `make lint`; this test keeps it in the suite)."""

import re
from pathlib import Path

from django.apps import apps

import clac

PLATFORM = Path(clac.__file__).resolve().parent


def _project_apps() -> list[str]:
    """The apps of this repository (third-party apps live in site-packages)."""
    return [config.name for config in apps.get_app_configs() if Path(config.path).parent == PLATFORM.parent]


def _app_packages() -> set[str]:
    return set(_project_apps()) - {"clac"}


def test_the_platform_imports_no_app():
    apps_pattern = "|".join(sorted(re.escape(name) for name in _app_packages()))
    importing = re.compile(rf"^\s*(from\s+({apps_pattern})(\.|\s)|import\s+({apps_pattern})(\.|\s|$))", re.M)
    offenders = [
        f"{path.relative_to(PLATFORM.parent)}:{text[: match.start()].count(chr(10)) + 1}"
        for path in sorted(PLATFORM.rglob("*.py"))
        if "migrations" not in path.parts
        for text in [path.read_text()]
        for match in importing.finditer(text)
    ]
    assert offenders == []


def test_every_project_app_has_a_plugin_module():
    ours = _project_apps()
    assert {"clac", "members", "networks", "communications"} <= set(ours)
    for name in ours:
        assert (PLATFORM.parent / name / "plugin.py").exists(), f"{name} has no plugin.py"
