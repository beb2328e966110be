"""Signing in with a password, and staying signed in with a refresh token.

Each flow knows nothing of HTTP: it takes clean values and a RequestContext and
returns a result or raises an AuthfortError subclass (accounts/errors.py,
sessions/errors.py).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.db import transaction

from authfort_django import audit
from authfort_django.accounts import errors
from authfort_django.conf import authfort_settings
from authfort_django.accounts.users import user_for_email
from authfort_django.models import Account, AuthEvent, User
from authfort_django.request_context import NO_REQUEST, RequestContext
from authfort_django.sessions.errors import RefreshError, RefreshTokenReused
from authfort_django.sessions.lifecycle import revoke_session, start_session
from authfort_django.sessions.refresh import rotate_refresh_token
from authfort_django.tokens.errors import TokenTooLarge
from authfort_django.tokens.pairs import TokenPair, issue_pair
from authfort_django.tokens.signing import ensure_can_sign


def _ensure_verified(user: User) -> None:
    if authfort_settings.REQUIRE_VERIFIED_EMAIL and Account.objects.of(user).email_verified_at is None:
        raise errors.EmailNotVerified()


def login(*, email: str, password: str, context: RequestContext = NO_REQUEST) -> TokenPair:
    """A new session's token pair for the right password; InvalidCredentials otherwise
    (the same for an unknown address, a wrong password and an inactive account).

    EmailNotVerified (only after the right password) under REQUIRE_VERIFIED_EMAIL.
    """
    ensure_can_sign()  # the same 503 for every caller, before anything is checked or written
    user = _user_with_password(email, password)
    if user is None:
        known = user_for_email(email)
        user_login_failed.send(
            sender=__name__, credentials={"email": email, "password": "********"}, request=context.request
        )
        audit.record(
            AuthEvent.Type.LOGIN_FAILED,
            user=known,
            context=context,
            reason="inactive" if known is not None and not known.is_active else "credentials",
        )
        raise errors.InvalidCredentials()
    try:
        _ensure_verified(user)  # only after the right password: the 403 tells a guesser nothing
    except errors.EmailNotVerified:
        audit.record(AuthEvent.Type.LOGIN_FAILED, user=user, context=context, reason="email_not_verified")
        raise
    try:
        # One commit: a token that cannot be issued leaves no session and no recorded success.
        with transaction.atomic():
            grant = start_session(user, context)
            audit.record(AuthEvent.Type.LOGIN_SUCCEEDED, user=user, session=grant.session, context=context)
            return issue_pair(user, grant)
    except TokenTooLarge:
        audit.record(AuthEvent.Type.LOGIN_FAILED, user=user, context=context, reason="token_too_large")
        raise


def _user_with_password(email: str, password: str) -> User | None:
    """The active user with this canonical address and password, or None.

    By the canonical address, compared exactly (never `iexact`). An unknown address
    still runs the password hasher once, as ModelBackend does, so the answer time does
    not tell whether an account exists.
    """
    user = user_for_email(email)
    if user is None:
        get_user_model()().set_password(password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


def refresh(*, refresh_token: object, context: RequestContext = NO_REQUEST) -> TokenPair:
    """Rotate `refresh_token` (see sessions/refresh.py) and issue a new pair.

    With REQUIRE_VERIFIED_EMAIL, a session of an unverified account (one from before
    the setting was turned on) ends here with EmailNotVerified.
    """
    ensure_can_sign()  # before the presented token is consumed
    try:
        grant = rotate_refresh_token(refresh_token, context)
    except RefreshTokenReused:
        raise  # recorded by rotate_refresh_token, with the session it concerns
    except RefreshError as error:
        # Outside rotate_refresh_token's transaction, which rolls back: this row stays.
        audit.record(AuthEvent.Type.REFRESH_FAILED, context=context, reason=error.code)
        raise
    try:
        _ensure_verified(grant.session.user)
    except errors.EmailNotVerified:
        revoke_session(grant.session, reason="email_not_verified")
        raise
    return issue_pair(grant.session.user, grant)
