"""Who may read /metrics: AUTHFORT["METRICS_ACCESS"].

    "off"                        no endpoint (404)
    "open"                       anyone who reaches the server
    ["127.0.0.1", "10.0.0.0/8"]  only these addresses or networks (403 for the rest)

The default is loopback only: metrics reveal traffic and failure rates, so they
are not published to the internet by accident, yet a scraper or sidecar on the
same host works out of the box. The client address is the one the throttles use
(REMOTE_ADDR, or X-Forwarded-For only as far as NUM_PROXIES says).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

OFF = "off"
OPEN = "open"
DEFAULT = ("127.0.0.1", "::1")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class InvalidMetricsAccess(ValueError):
    pass


def parse(value: Any) -> str | list[Network]:
    """OFF, OPEN or the allowed networks; InvalidMetricsAccess says what is wrong."""
    if isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, Iterable):
        raise InvalidMetricsAccess(f"expected 'off', 'open' or a list of addresses, got {value!r}")
    entries = [str(entry).strip() for entry in value]
    if entries in ([OFF], [OPEN]):
        return entries[0]
    if not entries:
        raise InvalidMetricsAccess("the list of allowed addresses is empty; use 'off' to turn /metrics off")
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise InvalidMetricsAccess(f"{entry!r} is not an IP address or network (e.g. 10.0.0.0/8)") from None
    return networks


def allows(policy: str | list[Network], address: str) -> bool:
    if policy == OPEN:
        return True
    if policy == OFF:
        return False
    try:
        client = ipaddress.ip_address(address.strip())
    except ValueError:
        return False
    if isinstance(client, ipaddress.IPv6Address) and client.ipv4_mapped is not None:
        client = client.ipv4_mapped
    return any(client in network for network in policy)
