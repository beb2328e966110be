"""Inputs for the fuzz tests: arbitrary values, and structured-but-wrong JOSE pieces."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st

from tests.helpers.tokens import b64url

# Any JSON document: what a hostile client or a broken server can send.
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=40),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5),
    max_leaves=20,
)


def values_or(*good: Any) -> st.SearchStrategy[Any]:
    """A plausible value (one of `good`) or any JSON value instead."""
    return st.one_of(st.sampled_from(good), json_values)


def objects_with(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    """JSON objects holding some of `fields` (each with its strategy) and stray members."""
    return st.fixed_dictionaries({}, optional=fields).flatmap(
        lambda known: st.dictionaries(st.text(max_size=12), json_values, max_size=3).map(
            lambda extra: {**extra, **known}
        )
    )


def segment(value: Any) -> str:
    """A base64url JOSE segment of `value`: JSON for Python values, as-is for bytes."""
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return b64url(raw)


# A base64url segment that is not JSON, not canonical, or not base64url at all.
broken_segments = st.one_of(
    st.binary(max_size=64).map(b64url),
    st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_+/=. \x00é", max_size=64),
)
