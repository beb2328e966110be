"""Walking an OpenAPI document: the operations under its paths."""

from __future__ import annotations

from collections.abc import Iterator

# The keys of a path item that are operations; the others (parameters, summary, ...) are not.
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


def schema_operations(schema: dict) -> Iterator[tuple[str, str, dict]]:
    """(method, path, operation) of every operation in `schema`."""
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield method, path, operation
