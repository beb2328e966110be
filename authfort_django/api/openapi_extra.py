"""What the views take from drf-spectacular (the [openapi] extra), or stand-ins without it.

The views describe their answers with `@extend_schema(...)`; without drf-spectacular
nobody reads that, so the views import it from here and never from drf_spectacular,
and their base class takes api/openapi.py's schema only when INSTALLED. A bare
install serves the API and has no /api/schema or /api/docs (api/docs.py mounts
nothing, checks.py says what to install if a setting asks for them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from authfort_django import extras

INSTALLED = extras.installed("openapi")

if INSTALLED:
    from drf_spectacular.utils import OpenApiParameter, PolymorphicProxySerializer, extend_schema
else:

    def extend_schema(*args: Any, **kwargs: Any) -> Callable[[Any], Any]:
        """Leaves the view as it is: there is no schema to describe it in."""
        return lambda view: view

    def OpenApiParameter(*args: Any, **kwargs: Any) -> None:  # noqa: N802 - drf-spectacular's name
        """Nothing to describe a query parameter in."""
        return None


def one_of(component_name: str, serializers: list[Any]) -> Any:
    """An answer that is one of `serializers` (for `@extend_schema(responses=...)`); None without the extra."""
    if not INSTALLED:
        return None
    return PolymorphicProxySerializer(
        component_name=component_name, serializers=serializers, resource_type_field_name=None
    )

