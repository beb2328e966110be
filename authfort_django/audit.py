"""Recording security events: an AuthEvent row, a log line and the auth_event signal.

Callers pass identifiers and facts, never secrets: `detail` must not hold a
password, a token or key material. Metrics and alerting listen to the signal
(observability/metrics/receivers.py), so no flow calls them itself.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

from authfort_django.models import AuthEvent, Session
from authfort_django.request_context import NO_REQUEST, RequestContext
from authfort_django.signals import auth_event

logger = logging.getLogger("authfort.audit")


def record(
    event_type: str,
    *,
    user: Any = None,
    session: Session | None = None,
    context: RequestContext = NO_REQUEST,
    **detail: Any,
) -> AuthEvent:
    event = AuthEvent.objects.create(
        type=event_type,
        user=user,
        session=session,
        ip_address=context.ip_address,
        user_agent=context.user_agent,
        detail=detail,
    )
    logger.info(
        "%s user=%s session=%s ip=%s %s",
        event_type,
        user.pk if user else "-",
        session.pk if session else "-",
        event.ip_address or "-",
        " ".join(f"{k}={v}" for k, v in sorted(detail.items())),
        # Structured fields for JSON log lines (observability/logging.py).
        extra={
            "event": event_type,
            "user_id": str(user.pk) if user else None,
            "session_id": str(session.pk) if session else None,
        },
    )
    transaction.on_commit(lambda: auth_event.send(sender=AuthEvent, event=event, request=context.request))
    return event
