"""REQUIRE_MFA_FOR_STAFF: a staff user without a second factor may only set one up.

One decision for both doors: the API's permission layer (api/permissions.py
StaffMFASetup) answers 403 `mfa_setup_required` outside the setup endpoints, and the
Django admin's sign-in (api/admin_login.py) refuses the user. It is read from the
database on every check, so the moment a factor is confirmed the same token works
everywhere, and an MFA reset by an administrator takes effect at once.
"""

from __future__ import annotations

from typing import Any

from authfort_django.conf import authfort_settings
from authfort_django.models import Account, Passkey, TotpDevice


def applies_to(user: Any) -> bool:
    """Whether REQUIRE_MFA_FOR_STAFF covers `user` (staff or superuser, setting on)."""
    if not authfort_settings.REQUIRE_MFA_FOR_STAFF:
        return False
    return bool(getattr(user, "is_staff", False) or getattr(user, "is_superuser", False))


def has_second_factor(user: Any) -> bool:
    """A confirmed authenticator app or a passkey (recovery codes alone are no factor)."""
    account = Account.objects.of(user)
    return (
        TotpDevice.objects.filter(account=account, confirmed_at__isnull=False).exists()
        or Passkey.objects.filter(account=account).exists()
    )


def setup_required(user: Any) -> bool:
    """True when `user` is covered by REQUIRE_MFA_FOR_STAFF and has no second factor yet."""
    return bool(getattr(user, "is_authenticated", False)) and applies_to(user) and not has_second_factor(user)
