"""`manage.py purge_expired`: expired sessions and their refresh tokens go, in batches;
live and merely revoked sessions, and the used tokens reuse detection needs, stay."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from authfort_django.models import AccountToken, AuthEvent, RefreshToken, Session
from authfort_django.sessions import lifecycle, refresh
from tests.factories import AccountTokenFactory, session_with_refresh_token

pytestmark = pytest.mark.django_db


def _purge(*args: str) -> str:
    out = StringIO()
    call_command("purge_expired", *args, stdout=out)
    return out.getvalue()


def _session_with_history(user, refreshes: int = 1) -> tuple[Session, str]:
    grant = lifecycle.start_session(user)
    raw = grant.refresh_token
    for _ in range(refreshes):
        raw = refresh.rotate_refresh_token(raw).refresh_token
    return grant.session, raw


def test_purge_deletes_expired_and_idle_sessions_with_their_tokens(user):
    now = timezone.now()
    live, _ = _session_with_history(user)
    revoked, _ = _session_with_history(user)
    lifecycle.revoke_session(revoked, reason="logout")
    expired, _ = _session_with_history(user, refreshes=2)
    Session.objects.filter(pk=expired.pk).update(expires_at=now - timedelta(seconds=1))
    idle, _ = _session_with_history(user)
    Session.objects.filter(pk=idle.pk).update(last_used_at=now - timedelta(days=8))

    output = _purge("--batch-size", "1")

    assert output.splitlines()[0] == "Deleted 2 expired sessions and 5 refresh tokens."
    assert set(Session.objects.values_list("pk", flat=True)) == {live.pk, revoked.pk}
    assert RefreshToken.objects.filter(session=live).count() == 2  # the used one is kept for reuse detection


def test_purge_keeps_audit_events_of_deleted_sessions(user):
    expired, _ = _session_with_history(user)
    Session.objects.filter(pk=expired.pk).update(expires_at=timezone.now())

    _purge()

    assert AuthEvent.objects.filter(type=AuthEvent.Type.REFRESH, user=user, session__isnull=True).count() == 1


def test_a_purged_sessions_refresh_token_is_unknown(api_client, user):
    _, raw = session_with_refresh_token(user, expired=True)
    _purge()

    response = api_client.post("/auth/refresh", {"refresh_token": raw}, format="json")

    assert response.status_code == 401
    assert response.json()["code"] == "refresh_token_invalid"


def test_nothing_to_purge_says_so(db):
    assert _purge().splitlines()[0] == "Deleted 0 expired sessions and 0 refresh tokens."


def test_a_batch_size_must_be_positive(db):
    with pytest.raises(CommandError, match="--batch-size"):
        _purge("--batch-size", "0")


def test_mailed_account_tokens_are_deleted_a_week_after_they_expire(user):
    now = timezone.now()
    stale = AccountTokenFactory(user=user, expires_at=now - timedelta(days=8))
    recent = AccountTokenFactory(user=user, purpose="verify_email", expires_at=now - timedelta(days=6))

    output = _purge()

    assert "Deleted 1 password-reset and email-verification tokens" in output.splitlines()[1]
    assert not AccountToken.objects.filter(pk=stale.pk).exists()
    assert AccountToken.objects.filter(pk=recent.pk).exists()
