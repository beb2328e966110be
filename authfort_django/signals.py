"""Signals sent on security events. Connect receivers to audit, alert or notify.

Every signal is sent after the database change it reports has been committed.
"""

from django.dispatch import Signal

# Any security event, after its AuthEvent row is saved.
# Arguments: sender (the AuthEvent class), event (the AuthEvent), request (HttpRequest or None).
auth_event = Signal()

# A refresh token was presented a second time; its whole session has been revoked.
# Arguments: sender (the Session class), user, session, request (HttpRequest or None).
refresh_token_reused = Signal()

# A user was banned (deactivated, every session revoked, token_version bumped).
# Arguments: sender (the User class), user, by (the acting admin user), request.
user_banned = Signal()

# Account recovery and verification (accounts/password_reset.py, accounts/email_verification.py).
# The *_requested signals carry the raw single-use token and the link built from
# FRONTEND_URL: a receiver may deliver
# them another way (SMS, a queue); set SEND_ACCOUNT_EMAILS to False to stop the
# built-in mail. Never log `token` or `link`. They are sent only for an existing,
# active account, right after the token is saved; a failing receiver is logged and
# does not change the answer (which would tell who has an account).

# Arguments: sender (the User class), user, token (raw), link, request.
password_reset_requested = Signal()

# The password was reset with a mailed token; every session and token of the user has ended.
# Arguments: sender (the User class), user, request.
password_reset_completed = Signal()

# Arguments: sender (the User class), user, token (raw), link, request.
email_verification_requested = Signal()

# The user proved control of their address; `email_verified_at` is set.
# Arguments: sender (the User class), user, request.
email_verified = Signal()

# Passwordless sign-in (federation/passwordless.py), as the *_requested signals above:
# sent for an address that may sign in (an active account, or a new one under
# PASSWORDLESS_SIGNUP) after the link or code is saved. `user` is None for a new address.
# Arguments: sender (None), email (canonical), user, token (raw), link, request.
magic_link_requested = Signal()
# Arguments: sender (None), email (canonical), user, code (raw), request.
email_code_requested = Signal()

# An introspection request was answered (for metrics; no row is written: it is the hot path).
# Arguments: sender (None), active (bool).
token_introspected = Signal()

# Multi-factor authentication (authfort_django/mfa/). Each is sent after its change
# commits, beside the auth_event of the same AuthEvent row (except mfa_verified, which
# has no row of its own: the login_succeeded or mfa_step_up event that follows carries
# the `amr`). `method` is "totp", "recovery_code" or "passkey" ("password" for a failed
# reauthentication before a change); no signal carries a code, secret or assertion.
# Arguments of all: sender (the User class), user, request (HttpRequest or None), and:

# A second factor was accepted (login's second step, step-up, admin sign-in, reauthentication).
#   method, amr (list of RFC 8176 values it proved)
mfa_verified = Signal()
# A second factor was refused.  method, reason (the error code, e.g. "invalid_code", "code_replayed")
mfa_failed = Signal()
# An authenticator app was confirmed.  method ("totp")
mfa_enabled = Signal()
# The authenticator app was removed.  method ("totp"), sessions_revoked (int)
mfa_disabled = Signal()
# An administrator removed every factor and recovery code and ended every session.
#   by (the acting user or None), sessions_revoked (int)
mfa_reset = Signal()
# A fresher, stronger pair was issued for a session (POST /auth/step-up).  session, amr
mfa_step_up = Signal()
# A passkey was registered.  passkey (the Passkey)
passkey_added = Signal()
# A passkey was removed.  passkey_id (str), sessions_revoked (int)
passkey_removed = Signal()
# The recovery codes were replaced by a new set (shown once).  (no other argument)
recovery_codes_regenerated = Signal()
# A recovery code was spent.  left (int: unused codes remaining)
recovery_code_used = Signal()
