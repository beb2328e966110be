"""The counters move on the domain's signals: no flow calls metrics itself.

`mfa_verified` and `mfa_failed` (sent by mfa/verification.py) count second-factor
checks by method and result.

`auth_event` is sent after the event's transaction commits, so a counter never
counts what was rolled back; `token_introspected` is sent as the answer is made
(introspection writes nothing, it is the hot path).
"""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from authfort_django.models import AuthEvent
from authfort_django.observability.metrics import instruments
from authfort_django.signals import auth_event, mfa_failed, mfa_verified, token_introspected

Type = AuthEvent.Type


@receiver(auth_event, dispatch_uid="authfort.metrics.auth_event")
def count_auth_event(sender: Any, event: AuthEvent, **kwargs: Any) -> None:
    if event.type == Type.LOGIN_SUCCEEDED:
        instruments.count_login(success=True)
    elif event.type == Type.LOGIN_FAILED:
        instruments.count_login(success=False)
    elif event.type == Type.REGISTER:
        instruments.count_register()
    elif event.type == Type.REFRESH:
        instruments.count_refresh("success")
    elif event.type == Type.REFRESH_REUSED:
        instruments.count_refresh("reused")
    elif event.type == Type.REFRESH_FAILED:
        instruments.count_refresh(str(event.detail.get("reason", "invalid")))


@receiver(token_introspected, dispatch_uid="authfort.metrics.token_introspected")
def count_introspection(sender: Any, active: bool, **kwargs: Any) -> None:
    instruments.count_introspection(active=active)


@receiver(mfa_verified, dispatch_uid="authfort.metrics.mfa_verified")
def count_mfa_success(sender: Any, method: str, **kwargs: Any) -> None:
    instruments.count_mfa_attempt(method)


@receiver(mfa_failed, dispatch_uid="authfort.metrics.mfa_failed")
def count_mfa_failure(sender: Any, method: str, reason: str, **kwargs: Any) -> None:
    instruments.count_mfa_attempt(method, reason=reason)
