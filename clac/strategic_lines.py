"""CLAC's six strategic lines (DESIGN §2): every module exists to serve one of them, and records
that serve a line (campaigns, product strategies, budget lines, funding calls…) name it with these
codes. The strategy module, when it lands, gives each line its objectives and indicators; the
codes stay the same."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class StrategicLine(models.TextChoices):
    FINANCIAL_SUSTAINABILITY = "finance", _("Financial sustainability")
    COMMUNICATION = "communication", _("Communication strategy")
    PRODUCT_NETWORKS = "product_networks", _("Strong product networks")
    WORKERS_NETWORK = "workers_network", _("Strong workers network")
    COUNTRY_NETWORKS = "country_networks", _("Strong country networks")
    STRATEGIC_PLAN = "strategic_plan", _("Carrying out the strategic plan")
