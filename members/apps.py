from typing import Any

from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.utils.translation import gettext_lazy as _


def _register_sqlite_unaccent(sender: Any, connection: Any, **kwargs: Any) -> None:
    """SQLite (the demo's database) has no unaccent(): register the same accent folding the
    normalized names use, so members.selectors.search behaves as on PostgreSQL. Registered under
    both names: unaccent() (PostgreSQL's extension function) and clac_unaccent() (its immutable
    wrapper, which computes Organization.search_text: members.models.FoldAccents)."""
    if connection.vendor != "sqlite":
        return
    from members.normalize import strip_accents

    def unaccent(value: str | None) -> str | None:
        return strip_accents(value) if value is not None else None

    connection.connection.create_function("unaccent", 1, unaccent, deterministic=True)
    connection.connection.create_function("clac_unaccent", 1, unaccent, deterministic=True)


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Member registry")

    def ready(self) -> None:
        connection_created.connect(_register_sqlite_unaccent, dispatch_uid="members_sqlite_unaccent")
