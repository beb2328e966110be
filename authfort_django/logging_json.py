"""Deprecated path (0.2): use authfort_django.observability.logging; removed in 0.4."""

import warnings

from authfort_django.observability.logging import (
    ConsoleFormatter,
    ContextFilter,
    JsonFormatter,
    RedactSecretsFilter,
    logging_config,
)

warnings.warn(
    "authfort_django.logging_json moved to authfort_django.observability.logging "
    "(the old path goes away in 0.4).",
    DeprecationWarning,
    stacklevel=2,
)

__all__ = ["ConsoleFormatter", "ContextFilter", "JsonFormatter", "RedactSecretsFilter", "logging_config"]
