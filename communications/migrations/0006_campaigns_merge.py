# Joins the audiences and outbox migrations merged into h-campaigns; the coordinator re-chains
# the communications migrations at merge and may drop this one.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("communications", "0005_audiences_suppression_history"),
        ("communications", "0005_outbox_claim"),
    ]

    operations: list = []
