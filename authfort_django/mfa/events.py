"""Recording an MFA event: the AuthEvent (audit.record: row, log line, auth_event) and
the event's own signal (signals.py), both after the change commits.

Metrics and alerting listen to the signals (observability/metrics/receivers.py); the
domain never counts anything itself.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import Signal

from authfort_django import audit
from authfort_django.models import AuthEvent, Session
from authfort_django.request_context import NO_REQUEST, RequestContext


def send(signal: Signal, user: Any, *, context: RequestContext = NO_REQUEST, **arguments: Any) -> None:
    """Send `signal` for `user` once the current transaction commits (at once outside one)."""
    request = context.request
    transaction.on_commit(lambda: signal.send(sender=type(user), user=user, request=request, **arguments))


def record(
    event_type: str,
    signal: Signal,
    *,
    user: Any,
    session: Session | None = None,
    context: RequestContext = NO_REQUEST,
    arguments: dict[str, Any] | None = None,
    **detail: Any,
) -> AuthEvent:
    """The AuthEvent of `event_type` with `detail`, and `signal` with `arguments`."""
    event = audit.record(event_type, user=user, session=session, context=context, **detail)
    send(signal, user, context=context, **(arguments or {}))
    return event
