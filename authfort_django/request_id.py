"""Deprecated path (0.2): use authfort_django.observability.request_id.RequestIdMiddleware; removed in 0.4."""

import warnings

from authfort_django.observability.request_id import RequestIdMiddleware

warnings.warn(
    "authfort_django.request_id moved to authfort_django.observability.request_id; "
    "update MIDDLEWARE (the old path goes away in 0.4).",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["RequestIdMiddleware"]
