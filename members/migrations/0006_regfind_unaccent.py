# The registry search (members.selectors.search) folds accents with PostgreSQL's unaccent
# extension (a trusted extension since PostgreSQL 13: the database owner may create it).
# On SQLite, the demo's database, the operation does nothing; members.apps registers a Python
# unaccent() on each connection instead.
from django.contrib.postgres.operations import UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("members", "0005_reghome_list_sort_indexes")]

    operations = [UnaccentExtension()]
