"""Template helpers shared by the dashboard and the portal."""

from django import template
from django.db.models import Model
from django.http import QueryDict
from django.template.loader_tags import BLOCK_CONTEXT_KEY
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from clac import jobs, plugins
from clac.roles import user_staff_roles

register = template.Library()


@register.simple_tag(takes_context=True)
def render_block(context: template.Context, name: str) -> SafeString:
    """Renders a block of the current template chain a second time, e.g. the page title
    inside the `<h1>` so a page names itself once. Empty when no template defines it."""
    block_context = context.render_context.get(BLOCK_CONTEXT_KEY)
    if block_context is None:
        return mark_safe("")
    node = block_context.get_block(name)
    if node is None:
        return mark_safe("")
    # BlockNode.render pops and pushes back the same block: the chain is left unchanged.
    return mark_safe(node.render(context).strip())


@register.simple_tag(takes_context=True)
def query_replace(context: template.Context, **kwargs) -> str:
    """The current query string with some parameters replaced (None or "" removes them), for
    pagination and sort links that keep the filters: `?{% query_replace page=2 %}`."""
    request = context.get("request")
    query = request.GET.copy() if request is not None else QueryDict(mutable=True)
    for key, value in kwargs.items():
        if value is None or value == "":
            query.pop(key, None)
        else:
            query[key] = str(value)
    return query.urlencode()


@register.simple_tag
def badge(status: str | None, label: str | None = None) -> SafeString:
    """A coloured status badge: `{% badge org.membership.status org.membership.get_status_display %}`."""
    if not status:
        return mark_safe("")
    css_status = str(status).replace(" ", "_").lower()
    return format_html('<span class="badge badge-{}">{}</span>', css_status, label or status)


@register.filter
def history_url(obj: Model | None) -> str:
    """URL of the audit history page of a record (empty when its model has no such page)."""
    if obj is None or getattr(obj, "pk", None) is None:
        return ""
    slug = plugins.history_slug_for(type(obj))
    if slug is None:
        return ""
    return reverse("dashboard:history", kwargs={"model": slug, "pk": obj.pk})


@register.simple_tag(takes_context=True)
def record_links(context: template.Context, obj: Model | None) -> list[tuple[str, str]]:
    """(label, url) of the links other apps put on this record's page (clac.plugins.RecordLink)
    that the signed-in staff member may open: `{% record_links person as links %}`. No query
    beyond the user's roles, which are cached for the request."""
    if obj is None or getattr(obj, "pk", None) is None:
        return []
    request = context.get("request")
    roles = user_staff_roles(getattr(request, "user", None))
    if not roles:
        return []
    return [
        (str(link.label), reverse(link.url_name, args=[obj.pk]))
        for link in plugins.record_links(obj._meta.label)
        if link.roles is None or link.roles & roles
    ]


# The same helpers as filters, for use inside attributes: `{{ org|history_url }}`, `{{ status|badge }}`.
register.simple_tag(history_url, name="history_url")
register.filter("badge", lambda status, label=None: badge(status, label))


@register.filter
def job_error_message(error: dict) -> str:
    """A job's error in the reader's language (clac.jobs stores the msgid and its parameters)."""
    return jobs.job_error_message(error)
