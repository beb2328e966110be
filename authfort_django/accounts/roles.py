"""Role management: list and create roles, grant and revoke them.

Roles travel in access tokens (the `roles` claim), so a grant or revocation
bumps the user's `token_version`: tokens carrying the old roles stop working at
once (introspection and the server's endpoints), and the next refresh issues
tokens with the new roles. Sessions are kept: a role change is not a reason to
sign anyone out.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction

from authfort_django import audit
from authfort_django.accounts import errors
from authfort_django.accounts.credentials import changing_credentials
from authfort_django.accounts.users import sub_of
from authfort_django.conf import authfort_settings
from authfort_django.models import Account, AuthEvent, Role, User
from authfort_django.request_context import NO_REQUEST, RequestContext
from authfort_django.tokens.errors import TokenTooLarge
from authfort_django.tokens.signing import access_token_size

ADMIN_ROLE = "admin"


def is_admin(user: User) -> bool:
    """Staff, or holds the `admin` role (read from the database, not from a token)."""
    return bool(user.is_staff) or Account.objects.of(user).roles.filter(name=ADMIN_ROLE).exists()


def ensure_may_manage(actor: User, target: User) -> None:
    """Holders of the `admin` role manage ordinary users; only staff manage staff.

    Without this, an `admin` role holder could ban the staff who granted the role.
    """
    if target.is_staff and not actor.is_staff:
        raise errors.StaffTargetNeedsStaff()


def list_roles() -> list[Role]:
    return list(Role.objects.order_by("name"))


def create_role(*, name: str, description: str = "") -> Role:
    """A new role; RoleExists if the name is taken."""
    try:
        with transaction.atomic():
            return Role.objects.create(name=name, description=description)
    except IntegrityError:
        raise errors.RoleExists() from None


def _role(name: str) -> Role:
    role = Role.objects.filter(name=name).first()
    if role is None:
        raise errors.RoleNotFound()
    return role


def ensure_token_fits(user: User, role_names: list[str]) -> None:
    """TokenTooLarge if an access token of `user` carrying exactly `role_names` would exceed
    ACCESS_TOKEN_MAX_BYTES: the grant is refused, so no later login fails (or is cut short)."""
    size = access_token_size(user, roles=role_names)
    limit = int(authfort_settings.ACCESS_TOKEN_MAX_BYTES)
    if size > limit:
        raise TokenTooLarge(
            f"With these roles the user's access token would be {size} bytes, over the server's limit "
            f"of {limit} (AUTHFORT_ACCESS_TOKEN_MAX_BYTES); nothing was changed. Take away roles the "
            "user no longer needs, or use fewer, broader roles with shorter names.",
            size=size,
            limit=limit,
        )


def grant_role(user: User, role_name: str, *, by: User, context: RequestContext = NO_REQUEST) -> bool:
    """Give `user` the role; returns False (and changes nothing) if they already had it.

    TokenTooLarge (nothing changes) when the role would push their access token over the cap.
    """
    ensure_may_manage(by, user)
    role = _role(role_name)
    account = Account.objects.of(user)
    with transaction.atomic():
        if account.roles.filter(pk=role.pk).exists():
            return False
        ensure_token_fits(user, [*account.role_names(), role.name])
        # The role receiver bumps the token version (accounts/credentials.py).
        with changing_credentials(context, caller_records_event=True):
            account.roles.add(role)
        audit.record(AuthEvent.Type.ROLE_GRANTED, user=user, context=context, role=role.name, by=sub_of(by))
    return True


def revoke_role(user: User, role_name: str, *, by: User, context: RequestContext = NO_REQUEST) -> bool:
    """Take the role from `user`; returns False (and changes nothing) if they did not have it."""
    ensure_may_manage(by, user)
    role = _role(role_name)
    account = Account.objects.of(user)
    with transaction.atomic():
        if not account.roles.filter(pk=role.pk).exists():
            return False
        with changing_credentials(context, caller_records_event=True):
            account.roles.remove(role)
        audit.record(AuthEvent.Type.ROLE_REVOKED, user=user, context=context, role=role.name, by=sub_of(by))
    return True
