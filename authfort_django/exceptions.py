"""Domain errors raised by flows; the API layer maps each to an HTTP answer.

Each carries a stable `code` (the `code` member of the JSON error body) and a
`detail` that tells the caller what went wrong and what to do.
"""

from __future__ import annotations


class AuthfortError(Exception):
    status_code = 400
    code = "error"
    detail = "The request could not be completed."

    def __init__(self, detail: str | None = None) -> None:
        if detail:
            self.detail = detail
        super().__init__(self.detail)


class RegistrationClosed(AuthfortError):
    status_code = 403
    code = "registration_closed"
    detail = "Registration is closed on this server. Ask an administrator for an account."


class EmailTaken(AuthfortError):
    status_code = 409
    code = "email_taken"
    detail = "An account with this email address already exists. Log in, or reset the password."


class InvalidCredentials(AuthfortError):
    status_code = 401
    code = "invalid_credentials"
    # Identical for unknown user, wrong password and inactive user: nothing to enumerate.
    detail = "The email address or password is incorrect."


class RefreshError(AuthfortError):
    status_code = 401
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


class WrongPassword(AuthfortError):
    status_code = 400
    code = "wrong_password"
    detail = "The current password is incorrect."


class RefreshTokenMalformed(RefreshError):
    code = "refresh_token_malformed"
    detail = (
        "The refresh token is malformed: send the opaque `refresh_token` exactly as the server "
        "returned it (an access token is not a refresh token)."
    )


class SessionNotFound(AuthfortError):
    status_code = 404
    code = "session_not_found"
    detail = "You have no session with this id. GET /auth/sessions lists yours."


class UserNotFound(AuthfortError):
    status_code = 404
    code = "user_not_found"
    detail = "No user has this id. Use the `id` member of a user object (a UUID)."


class CannotBanYourself(AuthfortError):
    status_code = 400
    code = "cannot_ban_self"
    detail = "You cannot ban your own account; ask another administrator."


class RoleNotFound(AuthfortError):
    status_code = 404
    code = "role_not_found"
    detail = "No role has this name. GET /auth/roles lists them; POST /auth/roles creates one."


class RoleExists(AuthfortError):
    status_code = 409
    code = "role_exists"
    detail = "A role with this name already exists."


class LogoutCredentialsMissing(AuthfortError):
    status_code = 401
    code = "not_authenticated"
    detail = (
        "Nothing identifies the session to end: send the access token as "
        "'Authorization: Bearer <token>' or the refresh token as `refresh_token` in the body."
    )


class StaffTargetNeedsStaff(AuthfortError):
    status_code = 403
    code = "staff_required"
    detail = (
        "This user is staff: only a staff user may ban them or change their roles. "
        "The `admin` role alone does not reach staff accounts."
    )
