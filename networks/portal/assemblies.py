"""Portal pages of the assemblies area. `urlpatterns` are mounted by networks/portal/urls.py; `NAV`
and `ACCESS` are gathered by networks/plugin.py."""

from clac.plugins import NavEntry

NAV: tuple[NavEntry, ...] = ()
ACCESS: dict[str, str] = {}
urlpatterns: list = []
