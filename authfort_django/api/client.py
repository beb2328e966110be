"""Who is calling, as the API sees it: the client address and the request context.

The address feeds the throttles, the audit log and /metrics access. With
NUM_PROXIES = N set in REST_FRAMEWORK it is DRF's rule: the N-th address from
the right of X-Forwarded-For. Unset, DRF would use the whole X-Forwarded-For
header, which a client can vary at will to dodge every per-address throttle; we
trust no proxy then and use REMOTE_ADDR.

Throttles count per `throttle_ident`: the address in one canonical form (so
`::FFFF:10.0.0.1`, `::ffff:a00:1` and `10.0.0.1` are one client, as are every
spelling of one IPv6 address), and for IPv6 the whole network of
AUTHFORT["THROTTLE_IPV6_PREFIX"] bits (default /64, what one subscriber is
usually handed): a client that owns a /64 cannot take a fresh budget per
address. The audit log keeps the full address (`client_ip`).
"""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from authfort_django.conf import DEFAULTS, authfort_settings
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


def is_valid_ipv6_prefix(value: object) -> bool:
    """A prefix length THROTTLE_IPV6_PREFIX may hold: an integer from 1 to 128 (check authfort.E012)."""
    return isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 128


def ipv6_throttle_prefix() -> int:
    """THROTTLE_IPV6_PREFIX, or the default while it is invalid (E012 reports it; no request fails on it)."""
    value = authfort_settings.THROTTLE_IPV6_PREFIX
    return value if is_valid_ipv6_prefix(value) else DEFAULTS["THROTTLE_IPV6_PREFIX"]


def throttle_ident(request: HttpRequest) -> str:
    """The per-address throttle key: the canonical address, IPv6 reduced to its prefix network.

    Text that is no IP address (a misconfigured proxy chain) is counted as sent.
    """
    raw = client_address(request).strip()
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        prefix = ipv6_throttle_prefix()
        # Built from the integer, so a zone id (fe80::1%eth0) drops out with the host bits.
        network = ipaddress.IPv6Network((int(address) >> (128 - prefix) << (128 - prefix), prefix))
        return str(network)
    return str(address)


def request_context(request: HttpRequest) -> RequestContext:
    """What the domain records about `request` (see authfort_django.request_context)."""
    return RequestContext(
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:MAX_USER_AGENT],
        request=request,
    )
