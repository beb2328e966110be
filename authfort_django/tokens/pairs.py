"""A token pair: the access token of a session handed out with its refresh token."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import prefetch_related_objects

from authfort_django.models import Account, User
from authfort_django.sessions.lifecycle import SessionGrant, refresh_token_lifetime
from authfort_django.tokens.signing import IssuedAccessToken, issue_access_token


@dataclass(frozen=True)
class TokenPair:
    """What register, login, refresh and password change hand back to the client."""

    user: User
    access: IssuedAccessToken
    refresh_token: str
    # Seconds the refresh token stays usable (absolute or idle limit): the refresh cookie's Max-Age.
    refresh_expires_in: int


def issue_pair(user: User, grant: SessionGrant) -> TokenPair:
    """An access token for `grant`'s session, handed out together with its refresh token."""
    # One roles query serves both the `roles` claim and the user object in the answer.
    prefetch_related_objects([Account.objects.of(user)], "roles")
    access = issue_access_token(user, grant.session)
    return TokenPair(user, access, grant.refresh_token, refresh_token_lifetime(grant.session))
