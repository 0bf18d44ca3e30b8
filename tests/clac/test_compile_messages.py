import gettext

from scripts.compile_messages import compile_all

PO = """msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n != 1);\\n"

msgid "Registry"
msgstr "Registro"

#, fuzzy
msgid "Members"
msgstr "Miembros dudosos"

msgid "%(n)s organization"
msgid_plural "%(n)s organizations"
msgstr[0] "%(n)s organización"
msgstr[1] "%(n)s organizaciones"
"""


def test_portable_compiler_writes_a_catalogue_gettext_reads_without_fuzzy_entries(tmp_path):
    messages = tmp_path / "es" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    (messages / "django.po").write_text(PO, encoding="utf-8")

    assert compile_all(tmp_path) == 1

    with (messages / "django.mo").open("rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    assert catalogue.gettext("Registry") == "Registro"
    assert catalogue.gettext("Members") == "Members"
    assert catalogue.ngettext("%(n)s organization", "%(n)s organizations", 3) == "%(n)s organizaciones"
