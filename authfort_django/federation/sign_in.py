"""complete_sign_in: the one place where federated and passwordless sign-ins get tokens.

Every way in that this package adds ends here, so that the rules every sign-in meets
(an active account, REQUIRE_VERIFIED_EMAIL, a signing key, a new session, the audit
event) hold for all of them. It hands over to accounts.login.complete_login, the
decision every first factor ends in: a user with a second factor gets MFARequired
(finished at POST /auth/login/mfa), exactly as after a password.
`amr` holds RFC 8176 values: "fed" after an outside provider, "otp" after a mailed
link or code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from authfort_django import audit
from authfort_django.accounts.login import MFARequired, complete_login
from authfort_django.federation import errors
from authfort_django.models import AuthEvent
from authfort_django.request_context import NO_REQUEST, RequestContext
from authfort_django.tokens.pairs import TokenPair
from authfort_django.tokens.signing import ensure_can_sign


def complete_sign_in(
    user: Any,
    *,
    method: str,
    amr: Sequence[str],
    context: RequestContext = NO_REQUEST,
    **detail: Any,
) -> TokenPair | MFARequired:
    """A new session's token pair for `user`, who has just proven who they are by `method`
    ("oidc", "oauth2", "id_token", "magic_link", "email_code", "exchange"), or
    MFARequired when the user has a second factor."""
    ensure_can_sign()
    if not user.is_active:
        audit.record(AuthEvent.Type.LOGIN_FAILED, user=user, context=context, method=method, reason="inactive", **detail)
        raise errors.AccountDisabled()
    return complete_login(user, amr=list(amr), context=context, detail={"method": method, **detail})
