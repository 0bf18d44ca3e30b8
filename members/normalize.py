"""Normalized keys for duplicate detection and import matching."""

import re
import unicodedata

# Legal-form words that differ between records of the same organization.
_LEGAL_WORDS = {
    "ltda", "limitada", "sa", "sac", "saa", "srl", "de", "rl", "cv", "ac", "sc", "spr", "ri", "rs",
    "cooperativa", "coop", "cooperative", "asociacion", "asoc", "association", "the", "la", "el",
    "los", "las", "del", "y", "e",
}  # fmt: skip
_NON_WORD = re.compile(r"[^a-z0-9]+")


def strip_accents(value: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", value) if not unicodedata.combining(c))


def normalize_organization_name(name: str) -> str:
    """'Cooperativa Agraria Cafetalera "Pangoa" Ltda.' → 'agraria cafetalera pangoa'."""
    words = _NON_WORD.sub(" ", strip_accents(name).lower()).split()
    kept = [w for w in words if w not in _LEGAL_WORDS]
    return " ".join(kept or words)[:200]


def normalize_person_name(first_name: str, last_name: str) -> str:
    """Accent-free lower-case 'last first', so 'José  Pérez' and 'Jose Perez' meet."""
    text = f"{last_name} {first_name}"
    return " ".join(_NON_WORD.sub(" ", strip_accents(text).lower()).split())[:200]


def normalize_email(email: str) -> str:
    return email.strip().lower()
