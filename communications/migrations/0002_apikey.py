# The partner API key, until now clac.ApiKey: the state takes the model over with its table
# as it is, then the table is renamed. Keys, their hashes and their history of use stay.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("communications", "0001_initial"),
        ("clac", "0004_apikey_moves_to_communications"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ApiKey",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("created_at", models.DateTimeField(auto_now_add=True, verbose_name="created")),
                        ("updated_at", models.DateTimeField(auto_now=True, verbose_name="updated")),
                        ("name", models.CharField(max_length=100, verbose_name="name")),
                        ("prefix", models.CharField(max_length=12, unique=True, verbose_name="prefix")),
                        ("hashed_key", models.CharField(editable=False, max_length=64, unique=True)),
                        ("expires_at", models.DateTimeField(blank=True, null=True, verbose_name="expires")),
                        ("last_used_at", models.DateTimeField(blank=True, null=True, verbose_name="last used")),
                        ("revoked_at", models.DateTimeField(blank=True, null=True, verbose_name="revoked")),
                        ("scopes", models.JSONField(default=list, verbose_name="scopes")),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "partner",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="api_keys",
                                to="communications.externalpartner",
                                verbose_name="partner",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "partner API key",
                        "verbose_name_plural": "partner API keys",
                        "db_table": "clac_apikey",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="apikey", table=None),
    ]
