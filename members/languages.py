"""Working languages of member organizations: one list, used by the staff form, the portal
form, the API, the pages and the history. Codes are ISO 639 (639-1 where it has one, else
639-3); names are translated. Earlier forms stored other spellings (the staff form used the
interface's `pt-br`): `language_canonical` maps them, and migration 0003 rewrote stored values.

Nothing here queries the database."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

__all__ = [
    "WORKING_LANGUAGES",
    "WORKING_LANGUAGE_CODES",
    "WorkingLanguagesField",
    "language_canonical",
    "language_choices",
    "language_names",
    "languages_canonical",
]

# Spanish, English, Portuguese and French (CLAC's working languages, Haiti), then the
# indigenous and Creole languages member organizations work in, by region.
WORKING_LANGUAGES: list[tuple[str, Any]] = [
    ("es", _("Spanish")),
    ("en", _("English")),
    ("pt", _("Portuguese")),
    ("fr", _("French")),
    ("ht", _("Haitian Creole")),
    ("qu", _("Quechua")),
    ("ay", _("Aymara")),
    ("gn", _("Guarani")),
    ("arn", _("Mapudungun")),
    ("quc", _("K'iche'")),
    ("kek", _("Q'eqchi'")),
    ("cak", _("Kaqchikel")),
    ("mam", _("Mam")),
    ("nah", _("Nahuatl")),
    ("tzh", _("Tseltal")),
    ("tzo", _("Tsotsil")),
    ("mix", _("Mixtec")),
    ("zap", _("Zapotec")),
    ("miq", _("Miskito")),
]
WORKING_LANGUAGE_CODES = frozenset(code for code, _name in WORKING_LANGUAGES)

# Spellings other lists used for the same language (interface locales, ISO 639-2/3 codes).
_ALIASES = {
    "pt-br": "pt", "pt_br": "pt", "por": "pt", "es-419": "es", "spa": "es", "eng": "en", "fra": "fr",
    "fre": "fr", "hat": "ht", "que": "qu", "quz": "qu", "quy": "qu", "aym": "ay", "grn": "gn", "gug": "gn",
}  # fmt: skip


def language_canonical(code: str) -> str:
    """The list's code for a stored or typed code ('pt-BR' → 'pt'); an unknown code is kept
    (trimmed, lower-cased) so nothing a user stored is silently lost."""
    lowered = (code or "").strip().lower()
    return _ALIASES.get(lowered, lowered)


def languages_canonical(codes: Iterable[str]) -> list[str]:
    """Canonical codes, without blanks or repeats, in the given order."""
    result: list[str] = []
    for code in codes or []:
        canonical = language_canonical(str(code))
        if canonical and canonical not in result:
            result.append(canonical)
    return result


def language_choices(stored: Iterable[str] = ()) -> list[tuple[str, Any]]:
    """The form's choices: the list, plus any code already stored that the list lacks (shown
    by its code), so saving a form without touching the field keeps it."""
    extra = [(code, code) for code in languages_canonical(stored) if code not in WORKING_LANGUAGE_CODES]
    return [*WORKING_LANGUAGES, *extra]


def language_names(codes: Sequence[str] | None) -> list[str]:
    """Translated names in the active language; an unknown code reads as itself."""
    names = dict(WORKING_LANGUAGES)
    return [str(names.get(code, code)) for code in languages_canonical(codes or [])]


class WorkingLanguagesField(models.JSONField):
    """A list of working-language codes. `display_value` gives the names pages and the audit
    history show instead of the stored list."""

    def display_value(self, value: Any) -> str:
        if not isinstance(value, list):
            return "" if value in (None, "") else str(value)
        return ", ".join(language_names(value))
