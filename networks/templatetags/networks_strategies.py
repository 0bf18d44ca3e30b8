"""Template helpers of the strategies pages: whether the signed-in user reads a network's needs
(the network page links to them only then; the view decides the same way)."""

from django import template

from networks.models import Network
from networks.selectors.strategies import network_needs_readable

register = template.Library()


@register.filter
def reads_needs_of(user, network: Network) -> bool:
    return network_needs_readable(user, network)
