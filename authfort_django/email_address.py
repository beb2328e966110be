"""The one canonical form of an email address: what identifies an account.

Every lookup, uniqueness check, throttle key and mail uses this form and compares it
by exact equality. Database-side case folding (`iexact`, `UPPER()`) is never used:
PostgreSQL's `UPPER()` under a UTF-8 locale, MariaDB's `_ci` collations and Python's
`lower()` each fold a different set of letters, and every difference between them
was a way to reach somebody else's account.

The canonical form:
- surrounding white space stripped;
- the local part in Unicode NFKC, then case-folded;
- the domain mapped with UTS-46 (IDNA 2008, non-transitional) to its ASCII A-label,
  so `faß.de` stays `xn--fa-hia.de` (IDNA 2003 would have sent it to `fass.de`).

`address_for_new_account` is stricter than `canonical_email`: it refuses an address
whose canonical form names a different mailbox than the one typed (compatibility
characters such as fullwidth letters or the Kelvin sign, letters whose case folding
is not plain lower-casing such as `ß` or the long `ſ`) and local parts mixing
scripts, so a look-alike can never be registered beside, or instead of, the real one.
"""

from __future__ import annotations

import unicodedata

import idna

# RFC 5321 limits; the canonical form is stored in a column of this length.
MAX_LOCAL_PART = 64
MAX_ADDRESS = 254


class InvalidEmailAddress(ValueError):
    """`reason` is a stable code; the message says what to fix."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _split(raw: object) -> tuple[str, str]:
    if not isinstance(raw, str):
        raise InvalidEmailAddress("invalid", "An email address must be a string.")
    address = raw.strip()
    local, at, domain = address.rpartition("@")
    if not at or not local or not domain:
        raise InvalidEmailAddress("invalid", "Enter an email address of the form name@example.com.")
    if any(unicodedata.category(ch)[0] in "CZ" for ch in address):
        raise InvalidEmailAddress(
            "invalid", "An email address cannot contain spaces, line breaks or control characters."
        )
    return local, domain


def _a_label(domain: str) -> str:
    try:
        return idna.encode(domain.rstrip("."), uts46=True, transitional=False).decode("ascii").lower()
    except (idna.IDNAError, UnicodeError, ValueError):
        raise InvalidEmailAddress(
            "invalid_domain", f"The domain {domain!r} is not a valid (internationalised) domain name."
        ) from None


def canonical_email(raw: object) -> str:
    """The canonical form of `raw`, or InvalidEmailAddress when it is not an address at all."""
    local, domain = _split(raw)
    canonical_local = unicodedata.normalize("NFKC", local).casefold()
    canonical = f"{canonical_local}@{_a_label(domain)}"
    if len(canonical_local) > MAX_LOCAL_PART or len(canonical) > MAX_ADDRESS:
        raise InvalidEmailAddress("too_long", "That email address is too long (at most 254 characters).")
    return canonical


def _folds_into_ascii(ch: str) -> bool:
    """A non-ASCII letter whose other case is ASCII: the dotless ı (upper: I), the long ſ
    (upper: S), the Kelvin sign (lower: k), the dotted İ (lower: i + dot). Regular
    expressions with IGNORECASE, and some databases' case folding, take them for the
    ASCII letter: such a local part is a look-alike of an ASCII one."""
    return not ch.isascii() and any(c.isascii() for c in ch.upper() + ch.lower() + ch.casefold())


def _script(ch: str) -> str:
    """A letter's script, near enough to tell Latin from Cyrillic or Greek look-alikes."""
    first_word = unicodedata.name(ch, "UNKNOWN").split(" ")[0]
    # Japanese mixes these three scripts in ordinary names.
    return "JAPANESE" if first_word in {"CJK", "HIRAGANA", "KATAKANA"} else first_word


def address_for_new_account(raw: object) -> str:
    """The canonical form of an address a user asks to own (register, change of address),
    or names to sign in or recover with: a look-alike spelling finds no account.

    Refuses addresses whose canonical form differs from what was typed in more than
    letter case and the domain's encoding, and local parts that mix scripts.
    """
    canonical = canonical_email(raw)
    local, domain = _split(raw)
    if (
        unicodedata.normalize("NFKC", local) != local
        or unicodedata.normalize("NFKC", domain) != domain
        or local.casefold() != local.lower()
        or any(_folds_into_ascii(ch) for ch in local)
    ):
        raise InvalidEmailAddress(
            "not_canonical",
            "This address contains look-alike characters (such as fullwidth letters, `ß` or `ſ`) "
            "that would name a different mailbox. Type it with plain letters.",
        )
    scripts = {_script(ch) for ch in local if ch.isalpha()}
    if len(scripts) > 1:
        raise InvalidEmailAddress(
            "mixed_script",
            "The part before @ mixes alphabets (for example Latin and Cyrillic letters). "
            "Use letters of one alphabet.",
        )
    return canonical
