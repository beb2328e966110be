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
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

from .models import AuthEvent, Session, User
from .signals import auth_event

logger = logging.getLogger("authfort.audit")


def client_address(request: HttpRequest) -> str:
    """Who is calling, for throttles and the audit log.

    With NUM_PROXIES = N set in REST_FRAMEWORK, DRF's rule: the N-th address from
    the right of X-Forwarded-For. Unset, DRF would use the whole X-Forwarded-For
    header, which a client can vary at will to dodge every per-IP throttle; we
    trust no proxy then and use REMOTE_ADDR.
    """
    if api_settings.NUM_PROXIES is None:
        return request.META.get("REMOTE_ADDR", "")
    return BaseThrottle().get_ident(request)


def client_ip(request: HttpRequest | None) -> str | None:
    """`client_address` when it is a valid IP address, else None."""
    if request is None:
        return None
    try:
        return str(ipaddress.ip_address(client_address(request).strip()))
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
        # Structured fields for JSON log lines (authfort_django.logging_json).
        extra={
            "event": event_type,
            "user_id": str(user.pk) if user else None,
            "session_id": str(session.pk) if session else None,
        },
    )
    transaction.on_commit(
        lambda: auth_event.send(sender=AuthEvent, event=event, request=request)
    )
    return event

