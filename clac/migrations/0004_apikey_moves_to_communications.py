# The partner API key moves to the app that owns the partners (communications); the table
# is kept and renamed by communications.0002, so no key is lost.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("clac", "0003_staff_role_groups")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="ApiKey")],
            database_operations=[],
        ),
    ]
