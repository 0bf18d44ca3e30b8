from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("members", "0008_regfind_email_case")]

    operations = [
        migrations.AddIndex(
            model_name="membership",
            index=models.Index(
                condition=models.Q(review_requested_at__isnull=False),
                fields=["review_requested_at", "id"],
                name="membership_review_queue_idx",
            ),
        ),
    ]
