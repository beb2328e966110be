"""The session and account-token factories build the states their traits name, each
alone, as the server itself judges them: tests that use a trait pin what they say."""

from __future__ import annotations

import pytest
from django.utils import timezone

from authfort_django.accounts import mailed_tokens
from authfort_django.sessions import lifecycle
from authfort_django.sessions.refresh import rotate_refresh_token
from tests.factories import (
    AccountTokenFactory,
    SessionFactory,
    session_with_refresh_token,
)

pytestmark = pytest.mark.django_db


def test_a_factory_session_is_live_and_its_refresh_token_rotates(user):
    session, raw = session_with_refresh_token(user)

    grant = rotate_refresh_token(raw)

    assert grant.session == session
    assert lifecycle.session_is_live(session)


def test_an_expired_session_is_past_its_absolute_expiry_only():
    session = SessionFactory(expired=True)
    now = timezone.now()

    assert session.expires_at <= now
    assert now < session.last_used_at + lifecycle.idle_ttl()
    assert session.revoked_at is None


def test_an_idle_session_is_past_its_idle_limit_only():
    session = SessionFactory(idle=True)
    now = timezone.now()

    assert session.last_used_at + lifecycle.idle_ttl() <= now
    assert now < session.expires_at
    assert session.revoked_at is None


def test_a_revoked_session_is_revoked_only():
    session = SessionFactory(revoked=True)
    now = timezone.now()

    assert (session.revoked_at <= now, session.revoked_reason) == (True, "logout")
    assert now < session.expires_at
    assert now < session.last_used_at + lifecycle.idle_ttl()


@pytest.mark.parametrize("purpose", ["password_reset", "verify_email"])
def test_a_factory_account_token_redeems_once(purpose):
    token = AccountTokenFactory(purpose=purpose)

    assert mailed_tokens.redeem(token.raw, purpose) == token
    with pytest.raises(mailed_tokens.TokenRejected, match="used"):
        mailed_tokens.redeem(token.raw, purpose)


@pytest.mark.parametrize("trait", ["used", "expired", "superseded"])
def test_each_account_token_trait_is_its_own_refusal(trait):
    token = AccountTokenFactory(**{trait: True})

    with pytest.raises(mailed_tokens.TokenRejected) as refused:
        mailed_tokens.redeem(token.raw, token.purpose)

    assert (refused.value.reason, refused.value.user) == (trait, token.user)


def test_a_factory_account_token_supersedes_none_of_the_users_others(user):
    expired = AccountTokenFactory(user=user, expired=True)
    AccountTokenFactory(user=user)

    with pytest.raises(mailed_tokens.TokenRejected, match="expired"):
        mailed_tokens.redeem(expired.raw, expired.purpose)
