"""The public unsubscribe page, mounted at /unsubscribe/ (see communications.plugin)."""

from django.urls import path

from communications.views.unsubscribe import unsubscribe_confirm

app_name = "unsubscribe"
urlpatterns = [
    path("<str:token>/", unsubscribe_confirm, name="confirm"),
]
