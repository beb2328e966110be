"""Who may call what, beyond "has a current access token"."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from authfort_django.accounts import roles
from authfort_django.mfa import policy


class IsAuthfortAdmin(BasePermission):
    """Staff users and holders of the `admin` role; checked against the database, not the token.

    Anonymous callers fail authentication first (401 with the Bearer challenge);
    authenticated non-admins get 403.
    """

    message = "This endpoint is for administrators: it needs the `admin` role or staff status."
    code = "admin_required"

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated) and roles.is_admin(user)


class StaffMFASetup(BasePermission):
    """REQUIRE_MFA_FOR_STAFF (mfa/policy.py): a staff user without a second factor reaches
    only the views that set one up, GET /auth/me and the logouts (views marked
    `allowed_before_mfa_setup = True`); every other view answers 403 mfa_setup_required.

    Every authfort view runs it first (AuthfortAPIView.get_permissions), so a new view is
    closed to such a user unless it says otherwise. Anonymous callers pass here and meet
    the view's own permissions (a 401 where a token is needed).
    """

    message = (
        "This server requires staff accounts to use two-step sign-in (REQUIRE_MFA_FOR_STAFF), and yours has "
        "no second factor yet. Set one up first: POST /auth/mfa/totp/setup, then POST /auth/mfa/totp/confirm "
        "with a code from your authenticator app (or register a passkey with POST /auth/passkeys/register/options "
        "and POST /auth/passkeys/register). Until then this token reaches only those, GET /auth/mfa, "
        "GET /auth/passkeys, GET /auth/me, POST /auth/logout and POST /auth/logout-all."
    )
    code = "mfa_setup_required"

    def has_permission(self, request: Any, view: Any) -> bool:
        if getattr(view, "allowed_before_mfa_setup", False):
            return True
        return not policy.setup_required(request.user)
