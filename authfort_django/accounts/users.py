"""The project's user model, whatever it is, as the flows need it.

authfort addresses users only through `get_user_model()` and its own Account: the
bundled model, Django's `auth.User` (a username plus a non-unique email) and custom
models with `USERNAME_FIELD = "email"` all work. A user is found by the canonical
address stored on its Account, compared by exact equality, or by the Account's `sub`.
"""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, ValidationError

from authfort_django.email_address import InvalidEmailAddress, address_for_new_account
from authfort_django.models import Account


def user_for_email(raw: object) -> Any | None:
    """The user whose canonical address is that of `raw`, or None.

    Strict: a look-alike spelling (compatibility forms, letters that fold into ASCII,
    mixed scripts) finds nobody, even where its canonical form is somebody's address.
    """
    try:
        canonical = address_for_new_account(raw)
    except InvalidEmailAddress:
        return None
    account = Account.objects.select_related("user").filter(email=canonical).first()
    return account.user if account is not None else None


def user_for_sub(sub: object) -> Any | None:
    """The user a token's `sub` (any UUID spelling) names, or None."""
    try:
        parsed = uuid.UUID(str(sub))
    except ValueError:
        return None
    account = Account.objects.select_related("user").filter(sub=parsed).first()
    return account.user if account is not None else None


def sub_of(user: Any) -> str:
    return str(Account.objects.of(user).sub)


def display_name(user: Any) -> str:
    """`name` on the bundled model; first and last name on Django's."""
    name = getattr(user, "name", None)
    if isinstance(name, str):
        return name
    full_name = getattr(user, "get_full_name", None)
    return full_name() if callable(full_name) else ""


def _has_field(model: Any, name: str) -> bool:
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


def _free_username(model: Any, wanted: str) -> str:
    """The address itself when it is a valid, free username; otherwise a random one.

    Only for models that sign in by a username (auth.User): the username is theirs to
    show in the admin; sign-in through authfort is by address.
    """
    field = model._meta.get_field(model.USERNAME_FIELD)
    try:
        field.run_validators(wanted)
        if len(wanted) <= (field.max_length or len(wanted)):
            if not model._default_manager.filter(**{model.USERNAME_FIELD: wanted}).exists():
                return wanted
    except ValidationError:
        pass
    return f"user-{secrets.token_hex(8)}"


def new_user(*, email: str, password: str, name: str) -> Any:
    """A saved user of the project's model with this canonical address (not checked here)."""
    model = get_user_model()
    email_field = model.get_email_field_name()
    fields: dict[str, Any] = {email_field: email}
    if model.USERNAME_FIELD != email_field:
        fields[model.USERNAME_FIELD] = _free_username(model, email)
    if _has_field(model, "name"):
        fields["name"] = name
    elif name and _has_field(model, "first_name"):
        fields["first_name"] = name[: model._meta.get_field("first_name").max_length]
    user = model(**fields)
    user.set_password(password)
    user.save()
    return user


def email_is_verified(user: Any) -> bool:
    return Account.objects.of(user).email_verified_at is not None


def mark_email_verified(user: Any, now: Any) -> None:
    """The user proved control of their canonical address (first proof wins)."""
    account = Account.objects.of(user)
    if account.email_verified_at is None:
        account.email_verified_at = now
        account.save(update_fields=["email_verified_at"])
