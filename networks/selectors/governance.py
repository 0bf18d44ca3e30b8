"""Reads of the governance area: permission-scoped querysets and `<entity>_get_for_user` helpers."""

from typing import Any

from networks.models import Network


def network_section(*, network: Network) -> dict[str, Any] | None:
    """This area's part of a network's dashboard page (rendered with
    templates/networks/<area>/_network_section.html), in a constant number of queries; None
    when the area has nothing to show there."""
    return None
