"""Recording security events: an AuthEvent row, a log line and the auth_event signal.

Callers pass identifiers and facts, never secrets: `detail` must not hold a
password, a token or key material.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle

from .models import AuthEvent, Session, User
from .signals import auth_event

logger = logging.getLogger("authfort.audit")


def client_ip(request: HttpRequest | None) -> str | None:
    """The client address as DRF's throttles see it (honours NUM_PROXIES), or None
    when it is not a valid IP address (a forged X-Forwarded-For, say)."""
    if request is None:
        return None
    ident = BaseThrottle().get_ident(request)
    try:
        return str(ipaddress.ip_address((ident or "").strip()))
    except ValueError:
        return None


def user_agent(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return request.META.get("HTTP_USER_AGENT", "")[:512]


def record(
    event_type: str,
    *,
    user: User | None = None,
    session: Session | None = None,
    request: HttpRequest | None = None,
    **detail: Any,
) -> AuthEvent:
    event = AuthEvent.objects.create(
        type=event_type,
        user=user,
        session=session,
        ip_address=client_ip(request),
        user_agent=user_agent(request),
        detail=detail,
    )
    logger.info(
        "%s user=%s session=%s ip=%s %s",
        event_type,
        user.pk if user else "-",
        session.pk if session else "-",
        event.ip_address or "-",
        " ".join(f"{k}={v}" for k, v in sorted(detail.items())),
    )
    transaction.on_commit(
        lambda: auth_event.send(sender=AuthEvent, event=event, request=request)
    )
    return event

