"""Scope strings (RFC 6749 §3.3): space-separated scope tokens, each of the printable
ASCII characters but space, `"` and `\\`. Parsed once at the edge; anything else is
refused (invalid_scope), never cleaned up: a control character is an error, not noise."""

from __future__ import annotations

import re
from collections.abc import Iterable

from authfort_django.clients.errors import InvalidScope

# %x21 / %x23-5B / %x5D-7E
SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")
MAX_SCOPE_LENGTH = 2048


def is_scope_token(value: object) -> bool:
    return isinstance(value, str) and len(value) <= 256 and SCOPE_TOKEN.fullmatch(value) is not None


def parse_scope(value: str) -> tuple[str, ...]:
    """The scope tokens of `value` in order, without duplicates; InvalidScope when malformed."""
    if len(value) > MAX_SCOPE_LENGTH:
        raise InvalidScope(f"The scope parameter is longer than {MAX_SCOPE_LENGTH} characters.")
    tokens = value.split(" ")
    if any(not is_scope_token(token) for token in tokens):
        raise InvalidScope(
            "The scope parameter must be scope names separated by single spaces, using printable "
            'ASCII characters other than \'"\' and \'\\\' (RFC 6749 §3.3).'
        )
    return tuple(dict.fromkeys(tokens))


def format_scope(scopes: Iterable[str]) -> str:
    return " ".join(scopes)


def check_scope_names(names: Iterable[str]) -> list[str]:
    """`names` as a list when every one is a scope token; ValueError naming the first that is not."""
    names = list(names)
    for name in names:
        if not is_scope_token(name):
            raise ValueError(
                f"{name!r} is not a scope name: use printable ASCII without spaces, '\"' or '\\\\'."
            )
    return list(dict.fromkeys(names))
