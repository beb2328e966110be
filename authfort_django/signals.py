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
