"""Identifiers and contact data in each country's format (tax ids, phones, web domains), and
the registry that keeps them unique while planning."""

import random
from typing import Any

from members import rules
from members.demo.data.countries import COUNTRY_PROFILES
from members.normalize import normalize_organization_name, strip_accents


def ascii_slug(text: str, sep: str = "") -> str:
    """'Poço Fundo' → 'pocofundo' (or 'poco-fundo' with sep='-'): ASCII for emails and domains."""
    words = "".join(c if c.isalnum() else " " for c in strip_accents(text).lower()).split()
    return sep.join(words)


def name_style(country_code: str) -> str:
    """Naming language of organizations in a country."""
    return {"BR": "pt", "HT": "fr", "JM": "en", "BZ": "en", "DM": "en", "LC": "en", "VC": "en", "GD": "en"}.get(
        country_code, "es"
    )


def phone_number(rng: random.Random, country_code: str) -> str:
    """A mobile number in E.164 with the country's calling code and a plausible prefix."""
    profile = COUNTRY_PROFILES[country_code]
    prefix = rng.choice(profile.mobile_prefixes)
    rest = profile.subscriber_digits - len(prefix)
    phone = f"+{profile.calling_code}{prefix}{rng.randrange(10 ** (rest - 1), 10**rest)}"
    # A country profile with a wrong calling code or length would seed numbers the forms refuse.
    assert rules.phone_is_valid(phone), phone
    return phone


def _digits(rng: random.Random, count: int) -> str:
    return "".join(str(rng.randrange(10)) for _ in range(count))


def tax_id(rng: random.Random, country_code: str, name: str, founding_year: int) -> str:
    """A tax id in the country's format (RUC, NIT, RFC, CNPJ, RTN, cédula jurídica…)."""
    d = lambda n: _digits(rng, n)  # noqa: E731
    match country_code:
        case "PE":
            return "20" + d(9)
        case "CO":
            return f"{rng.randint(800_000_000, 901_999_999)}-{d(1)}"
        case "MX":
            initials = "".join(w[0] for w in ascii_slug(name, " ").upper().split() if len(w) > 3)[:3].ljust(3, "X")
            return f"{initials}{founding_year % 100:02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}" + "".join(
                rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ0123456789") for _ in range(3)
            )
        case "EC":
            return f"{rng.choice(('07', '09', '12', '17', '13', '11'))}9{d(7)}001"
        case "BR":
            return f"{d(2)}.{d(3)}.{d(3)}/0001-{d(2)}"
        case "BO":
            return f"{rng.randint(100_000_000, 399_999_999)}{d(1)}"
        case "DO":
            return f"4-{d(2)}-{d(5)}-{d(1)}"
        case "HN":
            return f"{rng.randint(1, 18):02d}{rng.randint(1, 28):02d}" + d(10)
        case "GT":
            return f"{rng.randint(1_000_000, 9_999_999)}-{rng.choice('0123456789K')}"
        case "NI":
            return f"J{rng.choice(('03', '04', '05'))}10000{d(6)}"
        case "CR":
            return f"3-{rng.choice(('004', '002'))}-{d(6)}"
        case "SV":
            return f"{rng.choice(('0614', '0210', '1121', '0407'))}-{d(6)}-{d(3)}-{d(1)}"
        case "PA":
            return f"{rng.randint(1_000_000, 2_999_999)}-1-{d(6)}"
        case "PY":
            return f"{rng.randint(80_000_000, 80_129_999)}-{d(1)}"
        case "CL":
            return f"{rng.randint(65, 76)}.{d(3)}.{d(3)}-{rng.choice('0123456789K')}"
        case "AR":
            return f"30-{rng.randint(50_000_000, 71_999_999)}-{d(1)}"
        case "CU":
            return d(11)
        case "HT":
            return f"{d(3)}-{d(3)}-{d(3)}-{d(1)}"
        case "JM":
            return f"{d(3)}-{d(3)}-{d(3)}"
        case _:
            return d(rng.choice((6, 7, 9)))


def organization_domain(name: str, country_code: str) -> str:
    """A demo web domain for an organization. Reserved `.example` names (RFC 2606): a demo that
    is ever pointed at a real mail server cannot write to real people."""
    words = ascii_slug(name, " ").split()
    heads = {"cooperativa": "coop", "cooperative": "coop", "coop": "coop", "asociacion": "aso", "associacao": "assoc",
             "association": "assoc", "union": "union", "uniao": "union", "central": "central", "comite": "comite",
             "comissao": "comissao", "federacion": "fed", "federation": "fed", "reseau": "reseau"}  # fmt: skip
    head = heads.get(words[0], "org") if words else "org"
    significant = normalize_organization_name(name).split()
    if name_style(country_code) == "en":  # "Castle Bruce Banana Producers Society": the place comes first
        head, significant = "-".join(ascii_slug(w) for w in significant[:2]), ["farmers"]
    tail = "-".join(ascii_slug(w) for w in significant[-2:]) or "org"
    return f"{head}-{tail}.{COUNTRY_PROFILES[country_code].domain}.example"


class Registry:
    """What must stay unique while planning: FLO IDs, tax ids, names per country, emails, phones."""

    def __init__(self) -> None:
        self.flo_ids: set[str] = set()
        self.tax_ids: set[str] = set()
        self.names: set[tuple[str, str]] = set()
        self.emails: set[str] = set()
        self.phones: set[str] = set()

    def flo_id(self, rng: random.Random, *, old: bool) -> str:
        value = self._new_flo_id(rng, old=old)
        assert rules.flo_id_is_valid(value), value
        return value

    def _new_flo_id(self, rng: random.Random, *, old: bool) -> str:
        # Older members have short FLO IDs (FLOCERT numbers them in order); newer ones 5 digits.
        low, high = (100, 9_999) if old else (10_000, 49_999)
        for _ in range(200):
            value = str(rng.randint(low, high))
            if value not in self.flo_ids:
                self.flo_ids.add(value)
                return value
        while True:  # the pool is crowded (large scale): widen it, still 1 to 7 digits
            value = str(rng.randint(50_000, 9_999_999))
            if value not in self.flo_ids:
                self.flo_ids.add(value)
                return value

    def unique(self, bucket: set, value: Any) -> bool:
        if value in bucket:
            return False
        bucket.add(value)
        return True
