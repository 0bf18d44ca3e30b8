"""The parts of a network's dashboard page that other areas give (bodies and seats, meetings
and open actions, assemblies): each area's `network_section(network=...)` selector and its
template. The network page (views/networks.py) renders them in this order."""

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from networks.models import Network
from networks.selectors import assemblies, governance, meetings, strategies

SECTIONS = (
    ("networks/governance/_network_section.html", governance.network_section),
    ("networks/meetings/_network_section.html", meetings.network_section),
    ("networks/assemblies/_network_section.html", assemblies.network_section),
    ("networks/strategies/_network_section.html", strategies.network_section),
)


def network_sections(request: HttpRequest, network: Network) -> list[SafeString]:
    rendered = []
    for template, section in SECTIONS:
        context = section(network=network)
        if context is not None:
            rendered.append(render_to_string(template, {"network": network, **context}, request=request))
    return rendered
