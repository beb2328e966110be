"""Who is calling, as the API sees it: the client address and the request context.

The address feeds the throttles, the audit log and /metrics access. With
NUM_PROXIES = N set in REST_FRAMEWORK it is DRF's rule: the N-th address from
the right of X-Forwarded-For. Unset, DRF would use the whole X-Forwarded-For
header, which a client can vary at will to dodge every per-address throttle; we
trust no proxy then and use REMOTE_ADDR.
"""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from authfort_django.request_context import RequestContext

MAX_USER_AGENT = 512


def client_address(request: HttpRequest) -> str:
    """The caller's address as sent (REMOTE_ADDR, or from X-Forwarded-For per NUM_PROXIES)."""
    if api_settings.NUM_PROXIES is None:
        return request.META.get("REMOTE_ADDR", "")
    return BaseThrottle().get_ident(request)


def client_ip(request: HttpRequest) -> str | None:
    """`client_address` when it is a valid IP address, else None."""
    try:
        return str(ipaddress.ip_address(client_address(request).strip()))
    except ValueError:
        return None


def request_context(request: HttpRequest) -> RequestContext:
    """What the domain records about `request` (see authfort_django.request_context)."""
    return RequestContext(
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:MAX_USER_AGENT],
        request=request,
    )
