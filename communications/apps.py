from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommunicationsConfig(AppConfig):
    name = "communications"
    verbose_name = _("Communications")

    def ready(self) -> None:
        # Email providers' delivery reports (anymail's tracking signal) → the outbox.
        from communications.webhooks import tracking_receiver_connect

        tracking_receiver_connect()
