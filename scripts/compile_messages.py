"""Compile locale/*/LC_MESSAGES/*.po into .mo files without GNU gettext.

`make` uses Django's compilemessages (which needs GNU msgfmt) when msgfmt is installed and
this portable fallback otherwise, so a newcomer's `make demo` works on a machine without
gettext. polib writes the same .mo format msgfmt does; fuzzy entries are left out as
msgfmt leaves them out."""

import sys
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"


def compile_all(locale_dir: Path = LOCALE_DIR) -> int:
    count = 0
    for po_path in sorted(locale_dir.glob("*/LC_MESSAGES/*.po")):
        catalogue = polib.pofile(str(po_path))
        for entry in catalogue.fuzzy_entries():
            catalogue.remove(entry)
        catalogue.save_as_mofile(str(po_path.with_suffix(".mo")))
        count += 1
    return count


if __name__ == "__main__":
    compiled = compile_all()
    print(f"Compiled {compiled} message catalogues.", file=sys.stderr)
