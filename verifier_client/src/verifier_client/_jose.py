"""Strict decoding of JOSE building blocks: unpadded base64url and JSON objects.

Both are on the verification hot path, so they are small and allocation-light,
and both raise only `ValueError` (callers turn it into their own error type).
"""

from __future__ import annotations

import binascii
import json
import re
from typing import Any

# Unpadded base64url only: no '=', '+', '/', whitespace or anything else.
_B64URL = re.compile(r"[A-Za-z0-9_-]*\Z")
_URLSAFE_TO_STD = bytes.maketrans(b"-_", b"+/")
# For a final group of 2 or 3 characters the last one carries unused low bits;
# RFC 4648 §3.5 canonical encoding requires them to be zero. Accepting other
# characters would let one signature have several spellings (A11).
_CANONICAL_LAST = {
    2: frozenset("AQgw"),
    3: frozenset("AEIMQUYcgkosw048"),
}


def b64url_decode(segment: str) -> bytes:
    """Decode unpadded, canonical base64url; `ValueError` for anything else."""
    if _B64URL.match(segment) is None:
        raise ValueError("not base64url")
    remainder = len(segment) % 4
    if remainder:
        if remainder == 1 or segment[-1] not in _CANONICAL_LAST[remainder]:
            raise ValueError("not canonical base64url")
        padded = segment + "=" * (4 - remainder)
    else:
        padded = segment
    try:
        return binascii.a2b_base64(padded.encode("ascii").translate(_URLSAFE_TO_STD))
    except binascii.Error as exc:  # unreachable after the checks; kept as a guard
        raise ValueError("not base64url") from exc


def _pairs_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        # RFC 7515 §5.2 allows rejecting; taking the last value is how
        # `{"alg":"none","alg":"RS256"}` confuses two parsers (A15).
        raise ValueError("duplicate member name")
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads_object(data: bytes) -> dict[str, Any]:
    """Parse a UTF-8 JSON object strictly.

    Duplicate member names, NaN/Infinity and non-object documents raise
    `ValueError`; so does nesting deep enough to exhaust the parser's recursion
    limit (the C scanner raises `RecursionError`, which we never let escape).
    """
    try:
        value = json.loads(
            data,
            object_pairs_hook=_pairs_without_duplicates,
            parse_constant=_reject_constant,
        )
    except RecursionError as exc:
        raise ValueError("JSON nested too deeply") from exc
    except UnicodeDecodeError as exc:
        raise ValueError("not UTF-8") from exc
    if type(value) is not dict:
        raise ValueError("not a JSON object")
    return value
