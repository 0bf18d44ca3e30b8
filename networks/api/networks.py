"""API of the networks area: `register(router)` adds its viewsets, `urlpatterns` its other views;
`ACCESS` names its routes (level clac.plugins.ACCESS_API)."""

from rest_framework.routers import SimpleRouter

ACCESS: dict[str, str] = {}
urlpatterns: list = []


def register(router: SimpleRouter) -> None:
    return None
