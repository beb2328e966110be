"""Signing in: register, login, refresh. Views and commands call these.

Ending sessions and changing accounts is in `revocation`; roles in `roles`.

Each flow validates nothing about HTTP: it takes clean values and returns a
result or raises an `exceptions.AuthfortError`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction
from django.db.models import prefetch_related_objects
from django.http import HttpRequest

from . import audit, exceptions, sessions, tokens
from .app_settings import authfort_settings
from .metrics import instruments as metrics
from .models import AuthEvent, Role, User
from .recovery_errors import EmailLinksNotConfigured, EmailNotVerified

logger = logging.getLogger("authfort.flows")


@dataclass(frozen=True)
class TokenPair:
    """What register, login and refresh hand back to the client."""

    user: User
    access: tokens.IssuedAccessToken
    refresh_token: str
    # Seconds the refresh token stays usable (absolute or idle limit): the refresh cookie's Max-Age.
    refresh_expires_in: int


def issue_pair(user: User, grant: sessions.SessionGrant) -> TokenPair:
    """An access token for `grant`'s session, handed out together with its refresh token."""
    # One roles query serves both the `roles` claim and the user object in the answer.
    prefetch_related_objects([user], "roles")
    access = tokens.issue_access_token(user, grant.session)
    return TokenPair(
        user,
        access,
        grant.refresh_token,
        sessions.refresh_token_lifetime(grant.session),
    )


def register(
    *, email: str, password: str, name: str = "", request: HttpRequest | None = None
) -> TokenPair | User:
    """The new account's token pair; with REQUIRE_VERIFIED_EMAIL, the new user alone
    (no session until the address is verified: a verification link is mailed)."""
    with metrics.timing_issue("register"):
        result = _register(email=email, password=password, name=name, request=request)
    metrics.count_register()
    return result


def _register(*, email: str, password: str, name: str, request: HttpRequest | None) -> TokenPair | User:
    if not authfort_settings.REGISTRATION_OPEN:
        raise exceptions.RegistrationClosed()
    if User.objects.filter(email__iexact=email).exists():
        raise exceptions.EmailTaken()
    try:
        with transaction.atomic():
            user = User.objects.create_user(email=email, password=password, name=name)
            default_roles = list(authfort_settings.DEFAULT_ROLES)
            if default_roles:
                roles = [Role.objects.get_or_create(name=n)[0] for n in default_roles]
                user.roles.add(*roles)
    except IntegrityError:
        # A concurrent registration of the same address won the race for the unique index.
        raise exceptions.EmailTaken() from None
    if authfort_settings.REQUIRE_VERIFIED_EMAIL:
        audit.record(AuthEvent.Type.REGISTER, user=user, request=request)
        _mail_verification_link(user, request)
        return user
    grant = sessions.start_session(user, request)
    audit.record(AuthEvent.Type.REGISTER, user=user, session=grant.session, request=request)
    return issue_pair(user, grant)


def _mail_verification_link(user: User, request: HttpRequest | None) -> None:
    """The account exists whatever happens to the mail; a user can ask for a new link."""
    from . import recovery  # recovery imports sessions and audit, not flows

    try:
        recovery.request_email_verification(user=user, request=request)
    except EmailLinksNotConfigured:
        logger.error("no verification link mailed to a new account: AUTHFORT_FRONTEND_URL is not set")


def _ensure_verified(user: User) -> None:
    if authfort_settings.REQUIRE_VERIFIED_EMAIL and user.email_verified_at is None:
        raise EmailNotVerified()


def login(*, email: str, password: str, request: HttpRequest | None = None) -> TokenPair:
    try:
        with metrics.timing_issue("login"):
            pair = _login(email=email, password=password, request=request)
    except (exceptions.InvalidCredentials, EmailNotVerified):
        metrics.count_login(success=False)
        raise
    metrics.count_login(success=True)
    return pair


def _login(*, email: str, password: str, request: HttpRequest | None) -> TokenPair:
    # Through authenticate(): ModelBackend runs the hasher for unknown emails too, so
    # the answer time does not tell whether an account exists.
    user = authenticate(request, email=email, password=password)
    if user is None:
        known = User.objects.filter(email__iexact=email).first()
        audit.record(
            AuthEvent.Type.LOGIN_FAILED,
            user=known,
            request=request,
            reason="inactive" if known is not None and not known.is_active else "credentials",
        )
        raise exceptions.InvalidCredentials()
    try:
        _ensure_verified(user)  # only after the right password: the 403 tells a guesser nothing
    except EmailNotVerified:
        audit.record(AuthEvent.Type.LOGIN_FAILED, user=user, request=request, reason="email_not_verified")
        raise
    grant = sessions.start_session(user, request)
    audit.record(AuthEvent.Type.LOGIN_SUCCEEDED, user=user, session=grant.session, request=request)
    return issue_pair(user, grant)


def refresh(*, refresh_token: object, request: HttpRequest | None = None) -> TokenPair:
    """Rotate `refresh_token` (see sessions.rotate_refresh_token) and issue a new pair.

    With REQUIRE_VERIFIED_EMAIL, a session of an unverified account (one from before
    the setting was turned on) ends here with EmailNotVerified.
    """
    try:
        with metrics.timing_issue("refresh"):
            grant = sessions.rotate_refresh_token(refresh_token, request)
            try:
                _ensure_verified(grant.session.user)
            except EmailNotVerified:
                sessions.revoke_session(grant.session, reason="email_not_verified")
                raise
            pair = issue_pair(grant.session.user, grant)
    except exceptions.RefreshError as exc:
        metrics.count_refresh(exc.code)
        raise
    metrics.count_refresh("success")
    return pair
