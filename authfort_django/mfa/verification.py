"""verify_second_factor: the one check of a second factor, for every caller.

The login's second step, step-up, "recent authentication" before a change, and the
Django admin's login all call it, so they meet the same rules and the same audit:
a refused factor is an `mfa_failed` AuthEvent and signal (method and reason, never the
value), a spent recovery code a `recovery_code_used` one, an accepted factor the
`mfa_verified` signal.
"""

from __future__ import annotations

from typing import Any

from authfort_django import signals
from authfort_django.mfa import amr as amr_values
from authfort_django.mfa import errors, events, passkeys, recovery_codes, state, totp
from authfort_django.models import AuthEvent, Session
from authfort_django.request_context import NO_REQUEST, RequestContext


def verify_second_factor(
    user: Any,
    *,
    code: object = None,
    recovery_code: object = None,
    passkey: object = None,
    passkey_challenge: str | None = None,
    session: Session | None = None,
    context: RequestContext = NO_REQUEST,
) -> list[str]:
    """Check exactly one factor of `user`; returns the RFC 8176 methods it proves.

    `passkey` is an assertion (PublicKeyCredential JSON) over `passkey_challenge`.
    Raises FactorMissing, FactorNotAvailable, MalformedFactor subclasses or
    SecondFactorRefused subclasses.
    """
    given = [name for name, value in (("code", code), ("recovery_code", recovery_code), ("passkey", passkey))
             if value not in (None, "")]
    if len(given) != 1:
        raise errors.FactorMissing()
    method = {"code": state.METHOD_TOTP, "recovery_code": state.METHOD_RECOVERY_CODE, "passkey": state.METHOD_PASSKEY}[given[0]]
    try:
        proven = _verify(user, method, code, recovery_code, passkey, passkey_challenge, session, context)
    except (errors.SecondFactorRefused, errors.MalformedFactor, errors.FactorNotAvailable) as refused:
        _failed(user, method, refused.code, session, context)
        raise
    events.send(signals.mfa_verified, user, context=context, method=method, amr=proven)
    return proven


def _failed(user: Any, method: str, reason: str, session: Session | None, context: RequestContext) -> None:
    events.record(AuthEvent.Type.MFA_FAILED, signals.mfa_failed, user=user, session=session, context=context,
                  arguments={"method": method, "reason": reason}, method=method, reason=reason)


def _verify(user: Any, method: str, code: object, recovery_code: object, passkey: object,
            passkey_challenge: str | None, session: Session | None, context: RequestContext) -> list[str]:
    if method == state.METHOD_TOTP:
        device = totp.device_of(user)
        if device is None:
            raise errors.FactorNotAvailable("You have no authenticator app set up. GET /auth/mfa lists your factors.")
        totp.verify(device, code)
        return [amr_values.OTP]
    if method == state.METHOD_RECOVERY_CODE:
        if not state.status(user).enabled:
            raise errors.FactorNotAvailable("You have no recovery codes: MFA is not enabled.")
        recovery_codes.use(user, recovery_code)
        left = recovery_codes.remaining(user)
        events.record(AuthEvent.Type.RECOVERY_CODE_USED, signals.recovery_code_used, user=user, session=session,
                      context=context, arguments={"left": left}, left=left)
        # RFC 8176 has no value of its own for a recovery code: a one-time password.
        return [amr_values.OTP]
    if not state.status(user).passkeys:
        raise errors.FactorNotAvailable("You have no passkey. GET /auth/mfa lists your factors.")
    if not passkey_challenge:
        raise errors.PasskeyRefused("This passkey assertion answers no challenge of this server; ask for options first.")
    return passkeys.verify_assertion(passkey, challenge=passkey_challenge, user=user).amr


def reauthenticate(
    user: Any,
    *,
    password: object = None,
    code: object = None,
    session: Session | None = None,
    context: RequestContext = NO_REQUEST,
) -> None:
    """"Recent authentication" before a sensitive change: the current password, or a
    current code of the authenticator app. ReauthenticationFailed otherwise."""
    if isinstance(password, str) and password and code in (None, ""):
        if user.check_password(password):
            return
        _failed(user, "password", errors.ReauthenticationFailed.code, session, context)
        raise errors.ReauthenticationFailed()
    if code in (None, "") or password not in (None, ""):
        raise errors.ReauthenticationFailed()
    try:
        verify_second_factor(user, code=code, session=session, context=context)
    except (errors.SecondFactorRefused, errors.FactorNotAvailable, errors.MalformedFactor):
        raise errors.ReauthenticationFailed() from None
