# Organization.search_text: what the registry search looks in, stored and computed by the
# database (a generated column), so a search no longer folds the accents of every row's text.
# A stored generated column may only use IMMUTABLE functions; unaccent(text) is STABLE (it reads
# its dictionary through the search path), so PostgreSQL gets clac_unaccent(text), which names
# the extension's schema and dictionary explicitly (it then also works during a restore, whose
# search path is empty). On SQLite, members.apps registers clac_unaccent() on every connection.
# Adding the column fills it for every existing row (PostgreSQL rewrites the table, SQLite
# rebuilds it): no data migration is needed. ADR speed-search-column.
import django.db.models.functions.text
from django.db import migrations, models

import members.models


def create_clac_unaccent(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        # The extension's schema (migration 0006 created it), quoted by the server.
        cursor.execute(
            "SELECT quote_ident(n.nspname), quote_literal(quote_ident(n.nspname) || '.unaccent') "
            "FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'"
        )
        schema, dictionary = cursor.fetchone()
    schema_editor.execute(
        "CREATE OR REPLACE FUNCTION clac_unaccent(text) RETURNS text "
        "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE "
        f"AS $$ SELECT {schema}.unaccent({dictionary}::regdictionary, $1) $$"
    )


def drop_clac_unaccent(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS clac_unaccent(text)")


class Migration(migrations.Migration):

    dependencies = [
        ('members', '0010_accsec_person_erasure'),
    ]

    operations = [
        migrations.RunPython(create_clac_unaccent, drop_clac_unaccent, elidable=False),
        migrations.AddField(
            model_name='organization',
            name='search_text',
            field=models.GeneratedField(db_persist=True, expression=django.db.models.functions.text.Lower(members.models.FoldAccents(django.db.models.functions.text.Concat('name', models.Value(' '), 'legal_name', models.Value(' '), 'locality', models.Value(' '), 'flo_id', output_field=models.TextField()))), output_field=models.TextField()),
        ),
        migrations.AddIndex(
            model_name='organization',
            index=models.Index(django.db.models.functions.text.Length('flo_id'), models.F('flo_id'), models.F('id'), name='org_sort_flo_id_idx'),
        ),
        migrations.AddIndex(
            model_name='organization',
            index=models.Index(fields=['country', 'name', 'id'], name='org_sort_country_idx'),
        ),
    ]
