# Emails compare case-insensitively everywhere (issue 12, item 7). The services and the import
# store them lower-cased already; rows written before that (or by hand) are lower-cased here,
# so a plain comparison finds them too, and an index on lower(email) serves the lookups that
# must not trust the stored case. Historical rows are left as they were recorded.
from django.db import migrations, models
from django.db.models.functions import Lower


def lower_emails(apps, schema_editor):
    Person = apps.get_model("members", "Person")
    Organization = apps.get_model("members", "Organization")
    for model, fields in ((Person, ("email", "email_secondary")), (Organization, ("email",))):
        for name in fields:
            model.objects.exclude(**{name: Lower(name)}).update(**{name: Lower(name)})


class Migration(migrations.Migration):
    dependencies = [("members", "0007_regfind_merge_notes")]

    operations = [
        migrations.RunPython(lower_emails, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(Lower("email"), name="person_email_lower_idx"),
        ),
    ]
