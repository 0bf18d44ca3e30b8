"""One list of working languages (members/languages.py): the field says how it reads, and the
codes earlier forms stored are rewritten to the list's (the staff form stored the interface's
`pt-br`, the portal `pt`). History rows are left as they were written; the history page reads
old spellings through the same mapping."""

from django.db import migrations

import members.languages

# Frozen copy of members.languages._ALIASES at the time of this migration.
ALIASES = {
    "pt-br": "pt", "pt_br": "pt", "por": "pt", "es-419": "es", "spa": "es", "eng": "en", "fra": "fr",
    "fre": "fr", "hat": "ht", "que": "qu", "quz": "qu", "quy": "qu", "aym": "ay", "grn": "gn", "gug": "gn",
}  # fmt: skip


def canonical(codes):
    result = []
    for code in codes if isinstance(codes, list) else []:
        lowered = str(code or "").strip().lower()
        value = ALIASES.get(lowered, lowered)
        if value and value not in result:
            result.append(value)
    return result


def forwards(apps, schema_editor):
    Organization = apps.get_model("members", "Organization")
    changed = []
    for organization in Organization.objects.only("pk", "languages").iterator(chunk_size=2000):
        new = canonical(organization.languages)
        if new != organization.languages:
            organization.languages = new
            changed.append(organization)
    Organization.objects.bulk_update(changed, ["languages"], batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0002_reference_data"),
    ]

    operations = [
        migrations.AlterField(
            model_name="historicalorganization",
            name="languages",
            field=members.languages.WorkingLanguagesField(blank=True, default=list, verbose_name="working languages"),
        ),
        migrations.AlterField(
            model_name="organization",
            name="languages",
            field=members.languages.WorkingLanguagesField(blank=True, default=list, verbose_name="working languages"),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
    ]
