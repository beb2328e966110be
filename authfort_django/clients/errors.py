"""The errors a client is told at the token, revocation and introspection endpoints.

`code` is the RFC error code (RFC 6749 §5.2, RFC 8707 §2, RFC 7009 §2.2.1) and
`detail` its `error_description`: what was wrong and what to do. The HTTP status
and body shape (`{"error", "error_description"}`) are the API's business
(api/views/clients.py).
"""

from __future__ import annotations

from authfort_django.exceptions import AuthfortError


class OAuthError(AuthfortError):
    code = "invalid_request"
    detail = "The request is malformed."


class InvalidRequest(OAuthError):
    code = "invalid_request"


class InvalidClient(OAuthError):
    code = "invalid_client"
    # The same words for an unknown client, a wrong secret and a disabled client:
    # nothing to enumerate. The audit log records which it was.
    detail = (
        "Client authentication failed: the client_id is unknown, the credentials are wrong, "
        "or the client is disabled. Check the client_id and secret (or signing key)."
    )


class UnauthorizedClient(OAuthError):
    code = "unauthorized_client"
    detail = "This client may not use this grant type."


class UnsupportedGrantType(OAuthError):
    code = "unsupported_grant_type"
    detail = "This server supports only grant_type=client_credentials at this endpoint."


class InvalidScope(OAuthError):
    code = "invalid_scope"
    detail = "The requested scope is malformed or not allowed for this client."


class InvalidTarget(OAuthError):
    code = "invalid_target"
    detail = "The requested resource or audience is not allowed for this client."


class ClientAuthenticationFailed(InvalidClient):
    """An invalid_client with what the audit log records: `reason` (a short code, never a
    secret) and the client_id as presented (possibly unknown)."""

    def __init__(self, reason: str, *, client_id: str = "", detail: str | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.client_id = client_id
