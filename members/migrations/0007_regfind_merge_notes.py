from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("members", "0006_regfind_unaccent")]

    operations = [
        migrations.AddField(
            model_name="mergerecord",
            name="notes",
            field=models.JSONField(
                default=list, help_text="What the merge did: codes and parameters (members.merge_notes)."
            ),
        ),
    ]
