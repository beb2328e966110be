"""Strict decoding of JOSE building blocks: unpadded base64url and JSON objects.

Both are on the verification hot path, so they are small and allocation-light,
and both raise only `ValueError` (callers turn it into their own error type).
"""

from __future__ import annotations

import binascii
import json
from typing import Any

_URLSAFE_TO_STD = bytes.maketrans(b"-_", b"+/")
_PADDING = ("", "", "==", "=")
# For a final group of 2 or 3 characters the last one carries unused low bits;
# RFC 4648 §3.5 canonical encoding requires them to be zero. Accepting other
# characters would let one signature have several spellings (A11).
_CANONICAL_LAST = (
    None,
    None,
    frozenset("AQgw"),
    frozenset("AEIMQUYcgkosw048"),
)


def b64url_decode(segment: str) -> bytes:
    """Decode unpadded, canonical base64url; `ValueError` for anything else
    (padding, '+', '/', whitespace, non-ASCII, a dangling character)."""
    # '+' '/' '=' would survive the translation below and be read as standard
    # base64; strict mode then rejects every other byte outside the alphabet.
    if "+" in segment or "/" in segment or "=" in segment:
        raise ValueError("not base64url")
    remainder = len(segment) % 4
    if remainder:
        canonical = _CANONICAL_LAST[remainder]
        if canonical is None or segment[-1] not in canonical:
            raise ValueError("not canonical base64url")
    try:
        raw = (segment + _PADDING[remainder]).encode("ascii")
        return binascii.a2b_base64(raw.translate(_URLSAFE_TO_STD), strict_mode=True)
    except (UnicodeEncodeError, binascii.Error):
        raise ValueError("not base64url") from None


def _pairs_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        # RFC 7515 §5.2 allows rejecting; taking the last value is how
        # `{"alg":"none","alg":"RS256"}` confuses two parsers (A15).
        raise ValueError("duplicate member name")
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


# Built once: json.loads(..., **options) would build a decoder on every call.
_DECODER = json.JSONDecoder(
    object_pairs_hook=_pairs_without_duplicates, parse_constant=_reject_constant
)


def loads_object(data: bytes) -> dict[str, Any]:
    """Parse a UTF-8 JSON object strictly.

    Duplicate member names, NaN/Infinity and non-object documents raise
    `ValueError`; so does nesting deep enough to exhaust the parser's recursion
    limit (the C scanner raises `RecursionError`, which we never let escape).
    """
    try:
        text = data.decode("utf-8")
        try:
            # Fast path for the compact JSON issuers emit; anything else (leading
            # or trailing whitespace, trailing garbage) takes the full decode().
            value, end = _DECODER.raw_decode(text)
            if end != len(text):
                value = _DECODER.decode(text)
        except ValueError:
            value = _DECODER.decode(text)
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc
    except UnicodeDecodeError as exc:
        raise ValueError("not UTF-8") from exc
    if type(value) is not dict:
        raise ValueError("not a JSON object")
    return value
