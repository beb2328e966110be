"""Accounts made by a first sign-in without a password (a provider, a mailed link or code)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction

from authfort_django import audit
from authfort_django.accounts.registration import create_user
from authfort_django.conf import authfort_settings
from authfort_django.federation import errors
from authfort_django.models import AuthEvent
from authfort_django.request_context import RequestContext


def create_account(
    canonical: str, *, name: str, method: str, context: RequestContext, then: Callable[[Any], None] | None = None, **detail: Any
) -> Any:
    """A new user with this canonical address and no usable password (the reset flow sets
    one), the default roles, and whatever `then(user)` adds in the same transaction.
    RegistrationClosedForProvider when registration is closed; AccountExists when a
    concurrent sign-up took the address."""
    if not authfort_settings.REGISTRATION_OPEN:
        raise errors.RegistrationClosedForProvider()
    try:
        with transaction.atomic():
            user = create_user(email=canonical, password=None, name=name, context=context)
            if then is not None:
                then(user)
    except IntegrityError:
        raise errors.AccountExists() from None
    audit.record(AuthEvent.Type.REGISTER, user=user, context=context, method=method, **detail)
    return user
