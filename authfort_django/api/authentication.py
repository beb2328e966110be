"""How the auth server's own endpoints authenticate an access token.

Same verification as every consumer (verifier_client, fed from the key store),
then the checks only the server can make: the user still exists and is active,
`ver` equals the user's token_version, and the token's session is live.

The token comes from `Authorization: Bearer`, or, in cookie mode and only when
no Authorization header is sent, from the access-token cookie; a cookie-borne
token on an unsafe method must pass the CSRF check (see api/cookies.py).
"""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from authfort_django.api import cookies
from authfort_django.models import User
from authfort_django.observability import context as log_context
from authfort_django.tokens.verification import current_user_for, verify_access_token
from verifier_client import Claims, VerificationError

MAX_HEADER_BYTES = 16 * 1024


class TokenRejected(exceptions.AuthenticationFailed):
    """401 whose reason goes into the WWW-Authenticate challenge too."""

    default_code = "invalid_token"

    def __init__(self, detail: str, code: str = "invalid_token") -> None:
        super().__init__(detail, code)
        self.reason = detail


class AccessTokenAuthentication(BaseAuthentication):
    keyword = "Bearer"
    www_authenticate_realm = "authfort"

    def authenticate(self, request: Any) -> tuple[User, Claims] | None:
        try:
            return self._authenticate(request)
        except TokenRejected as exc:
            request._authfort_rejection = exc.reason  # read by authenticate_header
            raise

    def _authenticate(self, request: Any) -> tuple[User, Claims] | None:
        header = get_authorization_header(request)
        if not header:
            raw_cookie = cookies.access_token_from(request)
            if raw_cookie is None:
                return None
            result = self.authenticate_token(request, raw_cookie)
            request.authfort_via_cookie = True
            # After the token checks: a request without a valid token is a 401, not a 403.
            cookies.check_csrf(request, request.authfort_session.pk)
            return result
        if len(header) > MAX_HEADER_BYTES:
            raise TokenRejected("The Authorization header is too large.")
        parts = header.split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise TokenRejected("The Authorization header must be 'Bearer <access token>'.")
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise TokenRejected("The access token contains characters that are not allowed.") from None
        return self.authenticate_token(request, raw)

    def authenticate_token(self, request: Any, raw: str) -> tuple[User, Claims]:
        """Verify `raw` and check it is still current; sets `request.authfort_session`."""
        if len(raw) > MAX_HEADER_BYTES:
            raise TokenRejected("The access token is too large.")
        try:
            claims = verify_access_token(raw)
        except VerificationError as exc:
            raise TokenRejected(exc.reason, exc.code) from None
        current = current_user_for(claims)
        if current is None:
            raise TokenRejected(
                "The access token has been revoked (logout, password change, ban or role change). "
                "Refresh it or log in again.",
                "token_revoked",
            )
        user, session = current
        request.authfort_session = session
        log_context.bind(user_id=user.pk, session_id=session.pk)
        return user, claims

    def authenticate_header(self, request: Any) -> str:
        challenge = f'Bearer realm="{self.www_authenticate_realm}"'
        reason = getattr(request, "_authfort_rejection", None)
        if not reason:
            # RFC 6750 §3.1: a request without credentials gets no error code, only the realm.
            return challenge
        # RFC 6750 §3: error_description is limited to printable ASCII without '"' and '\\'.
        safe = "".join(c for c in reason if 0x20 <= ord(c) < 0x7F and c not in '"\\')
        return f'{challenge}, error="invalid_token", error_description="{safe}"'
