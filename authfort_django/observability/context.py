"""What every log line of a request carries: its request id, and the user and session once known.

The request-id middleware opens a scope per request; authentication and the audit
log `bind()` the user and session as soon as they learn them. Log filters read
`current()`; outside a request it is empty.
"""

from __future__ import annotations

import contextvars
from typing import Any

_fields: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "authfort_log_context", default=None
)

# Kept in the scope under a key no formatter prints (current() leaves it out).
_SECRETS = "_secrets"

__all__ = ["begin", "bind", "current", "end", "note_secrets", "request_secrets"]


def begin(**fields: Any) -> None:
    """Start a fresh context for a request; `end()` closes it (request_id.py says why it is
    not a `with` block: Django logs some lines after the middleware has returned)."""
    _fields.set({k: v for k, v in fields.items() if v is not None})


def end() -> None:
    _fields.set(None)


def bind(**fields: Any) -> None:
    """Add identifiers (never secrets) to the current scope; a no-op outside one."""
    context = _fields.get()
    if context is not None:
        context.update({k: str(v) for k, v in fields.items() if v is not None})


def current() -> dict[str, Any]:
    """The identifiers bound so far (request_id, user_id, session_id)."""
    return {k: v for k, v in (_fields.get() or {}).items() if k != _SECRETS}


def note_secrets(values: Any) -> None:
    """Remember values this request sent as secrets, so log filters can blank them.

    They live only in the request's scope and are never output themselves.
    """
    context = _fields.get()
    if context is not None:
        context.setdefault(_SECRETS, set()).update(v for v in values if isinstance(v, str) and v)


def request_secrets() -> set[str]:
    context = _fields.get()
    return set(context.get(_SECRETS, ())) if context is not None else set()
