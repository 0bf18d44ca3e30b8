"""Public routes of communications, mounted at /c/ (see communications.plugin): the open pixel
and click redirect of campaign emails (signed tokens), and Twilio's status callback (signed
requests). The email providers' webhooks are in communications.email_webhook_urls."""

from django.urls import path

from communications import webhooks
from communications.views import tracking

app_name = "communications_public"
urlpatterns = [
    path("o/<str:token>/", tracking.message_open, name="open"),
    path("l/<str:token>/", tracking.message_click, name="click"),
    path("webhooks/twilio/status/", webhooks.twilio_status, name="twilio_status"),
]
