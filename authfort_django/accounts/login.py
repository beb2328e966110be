"""Signing in with a password, and staying signed in with a refresh token.

Each flow knows nothing of HTTP: it takes clean values and a RequestContext and
returns a result or raises an AuthfortError subclass (accounts/errors.py,
sessions/errors.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_login_failed
from django.db import transaction

from authfort_django import audit
from authfort_django.accounts import errors
from authfort_django.conf import authfort_settings
from authfort_django.accounts.users import user_for_email
from authfort_django.mfa import amr as amr_values
from authfort_django.mfa import challenges, passkeys, state
from authfort_django.mfa.challenges import count_attempt
from authfort_django.mfa.errors import ChallengeInvalid, MFAAttemptsExceeded, SecondFactorRefused
from authfort_django.mfa.verification import verify_second_factor
from authfort_django.models import Account, AuthEvent, MFAChallenge, User
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


def login(*, email: str, password: str, context: RequestContext = NO_REQUEST) -> TokenPair | MFARequired:
    """A new session's token pair for the right password, or MFARequired when the user has
    a second factor; InvalidCredentials otherwise (the same for an unknown address, a
    wrong password and an inactive account).

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
    return complete_login(user, amr=[amr_values.PASSWORD], context=context)


@dataclass(frozen=True)
class MFARequired:
    """The first factor was right; the login completes at POST /auth/login/mfa."""

    mfa_token: str
    methods: list[str]
    expires_in: int
    # WebAuthn request options for the user's passkeys (None without any).
    passkey_options: dict[str, Any] | None = None


def complete_login(
    user: User, *, amr: list[str], context: RequestContext = NO_REQUEST, detail: dict[str, Any] | None = None
) -> TokenPair | MFARequired:
    """THE decision after a first factor was accepted (a password, a federated sign-in, a
    magic link...): ask for the second factor, or start the session and issue the pair.

    `user` is active and proven by the methods in `amr` (RFC 8176). When they already
    make a multi-factor authentication ("mfa" in amr, e.g. a passkey with user
    verification) or the user has no second factor, the session starts now. Otherwise
    the answer is MFARequired with a single-use `mfa_token` bound to this attempt.
    EmailNotVerified under REQUIRE_VERIFIED_EMAIL, checked first for every path.
    `detail` goes into the audit events (a federated sign-in's method and provider).
    """
    detail = detail or {}
    try:
        _ensure_verified(user)  # only after the first factor: the 403 tells a guesser nothing
    except errors.EmailNotVerified:
        audit.record(AuthEvent.Type.LOGIN_FAILED, user=user, context=context, reason="email_not_verified", **detail)
        raise
    if not amr_values.is_multi_factor(amr):
        methods = state.methods(user)
        if methods:
            return _ask_for_second_factor(user, amr, methods)
    return _start(user, amr, context, detail)


def _start(user: User, amr: list[str], context: RequestContext, detail: dict[str, Any] | None = None) -> TokenPair:
    detail = detail or {}
    try:
        # One commit: a token that cannot be issued leaves no session and no recorded success.
        with transaction.atomic():
            grant = start_session(user, context, amr=amr_values.combine(amr))
            audit.record(AuthEvent.Type.LOGIN_SUCCEEDED, user=user, session=grant.session, context=context,
                         amr=grant.session.amr, **detail)
            return issue_pair(user, grant)
    except TokenTooLarge:
        audit.record(AuthEvent.Type.LOGIN_FAILED, user=user, context=context, reason="token_too_large", **detail)
        raise


def _ask_for_second_factor(user: User, amr: list[str], methods: list[str]) -> MFARequired:
    options, challenge = (None, "")
    if state.METHOD_PASSKEY in methods:
        options, challenge = passkeys.assertion_options(user)
    _, raw = challenges.issue(MFAChallenge.Purpose.LOGIN, user=user, amr=amr, webauthn_challenge=challenge)
    return MFARequired(raw, methods, int(authfort_settings.MFA_TOKEN_TTL), options)


def login_second_factor(
    *,
    mfa_token: object,
    code: object = None,
    recovery_code: object = None,
    passkey: object = None,
    context: RequestContext = NO_REQUEST,
) -> TokenPair:
    """Complete a login that answered MFARequired with one second factor.

    The mfa_token must be live and unused; each call spends one of its
    MFA_MAX_ATTEMPTS tries before the factor is looked at (MFAAttemptsExceeded once
    they are spent). Raises MFATokenError and second-factor errors (see mfa/errors.py).
    """
    ensure_can_sign()
    row = challenges.usable(mfa_token, MFAChallenge.Purpose.LOGIN)
    user = row.user
    if user is None or not user.is_active:
        raise errors.InvalidCredentials()
    try:
        count_attempt(row)
    except MFAAttemptsExceeded:
        audit.record(AuthEvent.Type.LOGIN_FAILED, user=user, context=context, reason="mfa_attempts_exceeded")
        raise
    proven = verify_second_factor(
        user, code=code, recovery_code=recovery_code, passkey=passkey,
        passkey_challenge=row.webauthn_challenge or None, context=context,
    )
    challenges.consume(row)
    return _start(user, amr_values.combine(row.amr, proven), context)


def passkey_login_options(*, user: User | None = None) -> tuple[dict[str, Any], str]:
    """Request options and a `challenge_token` for a passwordless sign-in, or for a
    signed-in `user`'s step-up (their passkeys are listed in allowCredentials).

    An anonymous request never names an account: the options ask for any discoverable
    passkey. Listing an address's passkeys would tell anyone which addresses have an
    account with passkeys.
    """
    if user is not None and not state.status(user).passkeys:
        user = None
    # A passkey alone signs in only with user verification (PIN or biometric): then it is
    # two factors by itself, and the session starts with amr ["hwk"|"swk", "mfa"].
    options, challenge = passkeys.assertion_options(user, user_verification=True)
    _, raw = challenges.issue(MFAChallenge.Purpose.PASSKEY_LOGIN, user=user, webauthn_challenge=challenge)
    return options, raw


def login_with_passkey(*, challenge_token: object, credential: object, context: RequestContext = NO_REQUEST) -> TokenPair | MFARequired:
    """Passwordless sign-in: the passkey's assertion over the challenge of `challenge_token`."""
    ensure_can_sign()
    row = challenges.usable(challenge_token, MFAChallenge.Purpose.PASSKEY_LOGIN, invalid=ChallengeInvalid)
    challenges.consume(row, invalid=ChallengeInvalid)
    try:
        assertion = passkeys.verify_assertion(
            credential, challenge=row.webauthn_challenge, user=row.user, user_verification=True
        )
    except SecondFactorRefused as refused:
        audit.record(AuthEvent.Type.LOGIN_FAILED, user=row.user, context=context, reason=refused.code, method="passkey")
        raise
    user = assertion.passkey.account.user
    if not user.is_active:
        audit.record(AuthEvent.Type.LOGIN_FAILED, user=user, context=context, reason="inactive", method="passkey")
        raise errors.InvalidCredentials()
    return complete_login(user, amr=assertion.amr, context=context)


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
