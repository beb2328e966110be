from __future__ import annotations

import uuid
from typing import Any

from django.contrib.auth.base_user import BaseUserManager
from django.db import models

from authfort_django.email_address import InvalidEmailAddress, canonical_email


class UserManager(BaseUserManager):
    """The bundled user model's manager: users are identified by their email address."""

    use_in_migrations = True

    def get_by_natural_key(self, email: str) -> Any:
        # By the canonical address (createsuperuser, the admin's login form, loaddata).
        try:
            canonical = canonical_email(email)
        except InvalidEmailAddress:
            raise self.model.DoesNotExist() from None
        return self.get(authfort_account__email=canonical)

    def _create(self, email: str, password: str | None, **fields: Any) -> Any:
        if not email:
            raise ValueError("An email address is required.")
        # The bundled model stores the canonical form, so what the admin shows is what mail goes to.
        user = self.model(email=canonical_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> Any:
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> Any:
        fields["is_staff"] = True
        fields["is_superuser"] = True
        return self._create(email, password, **fields)


class AccountManager(models.Manager):
    """Accounts are authfort's per-user state; every user has exactly one."""

    def of(self, user: Any) -> Any:
        """`user`'s Account, created on first use for users made without a signal
        (bulk_create, raw SQL, fixtures); cached on the user object like any reverse
        one-to-one."""
        if user.pk is None or user._state.adding:
            # A stand-in that is never saved (equal work for unknown addresses): nothing is written.
            return self.model(user=user, **self._new_account_fields(user))
        try:
            return user.authfort_account
        except self.model.DoesNotExist:
            pass
        account, _ = self.get_or_create(user=user, defaults=self._new_account_fields(user))
        user.authfort_account = account
        return account

    def create_for(self, user: Any) -> Any:
        """The Account of a user just created."""
        account = self.create(user=user, **self._new_account_fields(user))
        user.authfort_account = account
        return account

    def _new_account_fields(self, user: Any) -> dict[str, Any]:
        # A user model with UUID keys (the bundled one) keeps its key as `sub`: one id everywhere.
        sub = user.pk if isinstance(user.pk, uuid.UUID) else uuid.uuid4()
        return {"sub": sub, "email": self.free_canonical_email(user)}

    def free_canonical_email(self, user: Any, *, exclude_pk: Any = None) -> str | None:
        """The canonical form of `user`'s address, or None when it has none, it is not an
        address, or another account already holds it (a conflict, listed by the
        authfort_email_conflicts command; never merged silently)."""
        raw = getattr(user, user.get_email_field_name(), "") or ""
        try:
            canonical = canonical_email(raw)
        except InvalidEmailAddress:
            return None
        taken = self.filter(email=canonical).exclude(pk=exclude_pk).exists()
        return None if taken else canonical
