"""Who is asking: the facts about a request that the domain records, without HTTP types.

Views build a `RequestContext` from the HTTP request (api/client.py) and pass it
down; flows store its address and user agent on sessions and audit events, and
hand `request` on to signal receivers untouched. The domain never reads
headers, so it does not depend on how the server sits behind proxies.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RequestContext:
    """`ip_address`: a valid IP address or None; `user_agent`: at most 512 characters.

    `request` is the framework's request object, opaque here: it is only passed to
    signal receivers (the `request` argument documented in signals.py).
    """

    ip_address: str | None = None
    user_agent: str = ""
    request: Any = None


# Commands, cron jobs and tests act without a request.
NO_REQUEST = RequestContext()
