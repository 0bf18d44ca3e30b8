"""The email providers' tracking webhooks (django-anymail's views, one per ESP), mounted at
/webhooks/email/ behind communications.webhooks.email_webhook_guard (basic auth required, 401
otherwise). Inbound-mail webhooks are not mounted: nothing here receives mail."""

from anymail import urls as anymail_urls
from django.urls import URLPattern

from communications.webhooks import email_webhook_guard

app_name = "email_webhooks"
urlpatterns = [
    URLPattern(pattern.pattern, email_webhook_guard(pattern.callback), pattern.default_args, pattern.name)
    for pattern in anymail_urls.urlpatterns
    if isinstance(pattern, URLPattern) and pattern.name and pattern.name.endswith("_tracking_webhook")
]
