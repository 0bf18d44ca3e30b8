"""Dashboard pages of the assemblies area. `urlpatterns` are mounted by networks/urls.py, `NAV` and
`ACCESS` (url name → clac.plugins access level) are gathered by networks/plugin.py."""

from clac.plugins import NavEntry

NAV: tuple[NavEntry, ...] = ()
ACCESS: dict[str, str] = {}
urlpatterns: list = []
