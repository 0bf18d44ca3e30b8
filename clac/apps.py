from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClacConfig(AppConfig):
    name = "clac"
    verbose_name = _("CLAC Network")
