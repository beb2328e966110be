"""Who may call what, beyond "has a current access token"."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from authfort_django.accounts import roles


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
