"""complete_sign_in: the one place where federated and passwordless sign-ins get tokens.

Every way in that this package adds ends here, so that the rules every sign-in meets
(an active account, REQUIRE_VERIFIED_EMAIL, a signing key, a new session, the audit
event) hold for all of them, and a later step (MFA) has one place to hook in.
`amr` holds RFC 8176 values: "fed" after an outside provider, "otp" after a mailed
link or code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from authfort_django import audit
from authfort_django.accounts import errors as account_errors
from authfort_django.conf import authfort_settings
from authfort_django.federation import errors
from authfort_django.models import Account, AuthEvent
from authfort_django.request_context import NO_REQUEST, RequestContext
from authfort_django.sessions.lifecycle import start_session
from authfort_django.tokens.pairs import TokenPair, issue_pair
from authfort_django.tokens.signing import ensure_can_sign


def complete_sign_in(
    user: Any,
    *,
    method: str,
    amr: Sequence[str],
    context: RequestContext = NO_REQUEST,
    **detail: Any,
) -> TokenPair:
    """A new session's token pair for `user`, who has just proven who they are by `method`
    ("oidc", "oauth2", "id_token", "magic_link", "email_code", "exchange")."""
    ensure_can_sign()
    if not user.is_active:
        audit.record(AuthEvent.Type.LOGIN_FAILED, user=user, context=context, method=method, reason="inactive", **detail)
        raise errors.AccountDisabled()
    if authfort_settings.REQUIRE_VERIFIED_EMAIL and Account.objects.of(user).email_verified_at is None:
        audit.record(
            AuthEvent.Type.LOGIN_FAILED, user=user, context=context, method=method, reason="email_not_verified", **detail
        )
        raise account_errors.EmailNotVerified()
    grant = start_session(user, context)
    audit.record(
        AuthEvent.Type.LOGIN_SUCCEEDED, user=user, session=grant.session, context=context,
        method=method, amr=list(amr), **detail,
    )
    return issue_pair(user, grant)
