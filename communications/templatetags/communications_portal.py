"""The portal home's announcements panel. The platform gives a panel only the organization
(clac.plugins.PortalPanel); the unread count is per user, so the panel's template asks this tag,
which reads the signed-in user from the request in the template context."""

from typing import Any

from django import template

from communications.selectors.campaigns import portal_announcements

register = template.Library()
PANEL_SIZE = 3


@register.inclusion_tag("communications/portal/_announcements_panel_body.html", takes_context=True)
def announcements_panel(context: template.Context, organization: Any) -> dict[str, Any]:
    request = context["request"]
    announcements = portal_announcements(user=request.user, organization_id=organization.pk)
    return {
        "announcements": announcements[:PANEL_SIZE],
        "unread": sum(1 for a in announcements if not getattr(a, "is_read", False)),
        "total": len(announcements),
    }
