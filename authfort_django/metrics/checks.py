"""authfort.E101: METRICS_ACCESS must be 'off', 'open' or IP addresses/networks."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register

from ..app_settings import authfort_settings
from . import access


@register()
def check_metrics_access(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        access.parse(authfort_settings.METRICS_ACCESS)
    except access.InvalidMetricsAccess as exc:
        return [
            Error(
                f"AUTHFORT['METRICS_ACCESS'] is invalid: {exc}.",
                hint="Set AUTHFORT_METRICS_ACCESS to off, open, or comma-separated addresses or "
                "networks such as 127.0.0.1,10.0.0.0/8.",
                id="authfort.E101",
            )
        ]
    return []
