"""Use cases that views and commands call: register, login, refresh.

Each flow validates nothing about HTTP: it takes clean values and returns a
result or raises an `exceptions.AuthfortError`.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import authenticate
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from . import audit, exceptions, sessions, tokens
from .app_settings import authfort_settings
from .models import AuthEvent, Role, User


@dataclass(frozen=True)
class TokenPair:
    """What register, login and refresh hand back to the client."""

    user: User
    access: tokens.IssuedAccessToken
    refresh_token: str
    session_id: str


def _issue(user: User, grant: sessions.SessionGrant) -> TokenPair:
    access = tokens.issue_access_token(user, grant.session)
    return TokenPair(user, access, grant.refresh_token, str(grant.session.pk))


def register(
    *, email: str, password: str, name: str = "", request: HttpRequest | None = None
) -> TokenPair:
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
    grant = sessions.start_session(user, request)
    audit.record(AuthEvent.Type.REGISTER, user=user, session=grant.session, request=request)
    return _issue(user, grant)


def login(*, email: str, password: str, request: HttpRequest | None = None) -> TokenPair:
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
    grant = sessions.start_session(user, request)
    audit.record(AuthEvent.Type.LOGIN_SUCCEEDED, user=user, session=grant.session, request=request)
    return _issue(user, grant)


def refresh(*, refresh_token: str, request: HttpRequest | None = None) -> TokenPair:
    grant = sessions.rotate_refresh_token(refresh_token, request)
    return _issue(grant.session.user, grant)
