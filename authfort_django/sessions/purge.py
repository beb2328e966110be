"""Deleting sessions that can no longer be used, with their refresh tokens (`manage.py purge_expired`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from authfort_django.models import RefreshToken, Session
from authfort_django.sessions.lifecycle import idle_ttl


@dataclass(frozen=True)
class PurgeResult:
    sessions: int
    refresh_tokens: int


def purge_expired(*, batch_size: int = 1000, now: datetime | None = None) -> PurgeResult:
    """Delete sessions past their absolute or idle expiry, with their refresh tokens.

    Revoked sessions stay until they expire too: the rows let a replayed token be
    recognised and answered `refresh_token_revoked`, and /auth/sessions history
    and the audit log keep their reference meanwhile. Used refresh tokens of live
    sessions are never deleted (they are what reuse detection matches). Works in
    batches of `batch_size` sessions, one short transaction each, so it never
    holds locks for long.
    """
    now = now or timezone.now()
    dead = Q(expires_at__lte=now) | Q(last_used_at__lte=now - idle_ttl())
    purged_sessions = purged_tokens = 0
    while True:
        ids = list(Session.objects.filter(dead).order_by("expires_at").values_list("pk", flat=True)[:batch_size])
        if not ids:
            return PurgeResult(purged_sessions, purged_tokens)
        with transaction.atomic():
            # Unlink the chain first so deleting the tokens needs no per-row SET NULL.
            RefreshToken.objects.filter(session_id__in=ids).update(replaced_by=None)
            purged_tokens += RefreshToken.objects.filter(session_id__in=ids).delete()[0]
            purged_sessions += Session.objects.filter(pk__in=ids).delete()[1].get(Session._meta.label, 0)
