"""Dashboard pages of finance, one module per area; each gives `urlpatterns`, `NAV` and
`ACCESS` (url name → clac.plugins access level), gathered by finance/urls.py and plugin.py."""
