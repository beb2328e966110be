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
