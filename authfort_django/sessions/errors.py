"""Errors of sessions and refresh tokens (see exceptions.py for the pattern)."""

from __future__ import annotations

from authfort_django.exceptions import AuthfortError


class RefreshError(AuthfortError):
    code = "refresh_token_invalid"
    detail = "The refresh token is not valid. Log in again."


class RefreshTokenMissing(RefreshError):
    code = "refresh_token_missing"
    detail = "No refresh token was sent. Send it as `refresh_token` in the body (or the refresh cookie)."


class RefreshTokenExpired(RefreshError):
    code = "refresh_token_expired"
    detail = "The session has expired. Log in again."


class RefreshTokenRevoked(RefreshError):
    code = "refresh_token_revoked"
    detail = "The session was ended. Log in again."


class RefreshTokenReused(RefreshError):
    code = "refresh_token_reused"
    detail = (
        "This refresh token was already used. The session has been ended for safety; log in again."
    )


class RefreshTokenMalformed(RefreshError):
    code = "refresh_token_malformed"
    detail = (
        "The refresh token is malformed: send the opaque `refresh_token` exactly as the server "
        "returned it (an access token is not a refresh token)."
    )


class SessionNotFound(AuthfortError):
    code = "session_not_found"
    detail = "You have no session with this id. GET /auth/sessions lists yours."


class LogoutCredentialsMissing(AuthfortError):
    code = "not_authenticated"
    detail = (
        "Nothing identifies the session to end: send the access token as "
        "'Authorization: Bearer <token>' or the refresh token as `refresh_token` in the body."
    )
