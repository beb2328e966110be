"""Step-up: prove a second factor again inside a session and get a fresher, stronger pair.

The session's `amr` gains the factor's methods (and "mfa" when two kinds are now
covered), `auth_time` becomes now, and a new pair is issued for the same session.
The session's outstanding refresh token is retired (as if rotated): a copy of it
taken earlier cannot mint tokens with the stronger `amr`, and presenting it is a
reuse that ends the session.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone

from authfort_django import signals
from authfort_django.mfa import amr as amr_values
from authfort_django.mfa import challenges, events
from authfort_django.mfa.errors import ChallengeInvalid
from authfort_django.mfa.verification import verify_second_factor
from authfort_django.models import AuthEvent, MFAChallenge, RefreshToken, Session
from authfort_django.request_context import NO_REQUEST, RequestContext
from authfort_django.sessions.lifecycle import SessionGrant, new_refresh_token
from authfort_django.tokens.pairs import TokenPair, issue_pair
from authfort_django.tokens.signing import ensure_can_sign


def passkey_challenge_for(user: Any, challenge_token: object) -> str:
    """The WebAuthn challenge of `challenge_token` (from /auth/passkeys/login/options), spent now."""
    row = challenges.usable(challenge_token, MFAChallenge.Purpose.PASSKEY_LOGIN, invalid=ChallengeInvalid)
    if row.user_id is not None and row.user_id != user.pk:
        raise ChallengeInvalid()
    challenges.consume(row, invalid=ChallengeInvalid)
    return row.webauthn_challenge


def step_up(
    user: Any,
    session: Session,
    *,
    code: object = None,
    passkey: object = None,
    challenge_token: object = None,
    context: RequestContext = NO_REQUEST,
) -> TokenPair:
    ensure_can_sign()
    challenge = passkey_challenge_for(user, challenge_token) if passkey not in (None, "") else None
    proven = verify_second_factor(
        user, code=code, passkey=passkey, passkey_challenge=challenge, session=session, context=context
    )
    now = timezone.now()
    with transaction.atomic():
        session = Session.objects.select_for_update().get(pk=session.pk)
        session.amr = amr_values.combine(session.amr or [], proven)
        session.auth_time = now
        session.last_used_at = now
        session.save(update_fields=["amr", "auth_time", "last_used_at"])
        successor, raw = new_refresh_token(session, now)
        RefreshToken.objects.filter(session=session, used_at__isnull=True).exclude(pk=successor.pk).update(
            used_at=now, replaced_by=None
        )
        events.record(AuthEvent.Type.MFA_STEP_UP, signals.mfa_step_up, user=user, session=session, context=context,
                      arguments={"session": session, "amr": list(session.amr)}, amr=session.amr)
    return issue_pair(user, SessionGrant(session, raw))
