from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import BaseUserManager


class UserManager(BaseUserManager):
    """Users are identified by email; lookups ignore letter case."""

    use_in_migrations = True

    def get_by_natural_key(self, email: str) -> Any:
        return self.get(email__iexact=email)

    def _create(self, email: str, password: str | None, **fields: Any) -> Any:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).strip(), **fields)
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
