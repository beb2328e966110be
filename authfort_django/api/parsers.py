"""The JSON parser of every authfort endpoint: DRF's, with a limit on nesting.

No request this API documents nests deeper than a few levels. Python's decoder
recurses once per level and raises RecursionError near a thousand, which would
be a 500 with a traceback; a body nested deeper than MAX_DEPTH is answered 400
parse_error instead, and checked before it reaches any view or serializer.
"""

from __future__ import annotations

from typing import Any

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 32

_TOO_DEEP = (
    f"The JSON body is nested more than {MAX_DEPTH} levels deep. "
    "Send the documented fields, which are never nested that deep."
)


def depth_exceeds(value: Any, limit: int = MAX_DEPTH) -> bool:
    """True when `value` has more than `limit` levels of arrays or objects (walked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSONParser; nesting over MAX_DEPTH (or past the decoder's recursion) is 400 parse_error."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_TOO_DEEP) from None
        if depth_exceeds(data):
            raise ParseError(_TOO_DEEP)
        return data
