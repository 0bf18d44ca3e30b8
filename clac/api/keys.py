"""Creating and checking secret keys: 256 bits of randomness, shown once, stored as SHA-256.

A key reads `<prefix>.<secret>`; the prefix is stored in clear so a key can be found and
named in logs without revealing it."""

import hashlib
import secrets

PREFIX_LENGTH = 8


def key_hash(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def key_generate() -> tuple[str, str, str]:
    """Return (raw_key, prefix, hashed_key)."""
    prefix = secrets.token_hex(PREFIX_LENGTH // 2)
    raw_key = f"{prefix}.{secrets.token_urlsafe(32)}"
    return raw_key, prefix, key_hash(raw_key)


def key_prefix(raw_key: str) -> str | None:
    prefix, sep, secret = raw_key.partition(".")
    if not sep or len(prefix) != PREFIX_LENGTH or not secret:
        return None
    return prefix
