"""Authenticator-app codes (RFC 6238, with pyotp): setup, confirmation, verification.

The secret is encrypted at rest with KEY_ENCRYPTION_KEYS, bound to the account, and
re-encrypted under the current key whenever a code is accepted, and for every device
at once by `manage.py rotate_keys --reencrypt` (reencrypt_secrets), so the old
key-encryption key can be dropped without waiting for each user's next code. A code is accepted for the current 30-second step and
one step either side (clock drift); the step of an accepted code is remembered and
no code of that step or an earlier one is accepted again (RFC 6238 section 5.2).
"""

from __future__ import annotations

import datetime
import hmac
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyotp
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from authfort_django.conf import authfort_settings
from authfort_django.keys.encryption import (
    KeyDecryptionError,
    decrypt_secret,
    encrypt_secret,
    encrypted_with_current_key,
)
from authfort_django.mfa import errors, relying_party
from authfort_django.models import Account, TotpDevice
from authfort_django.observability import context as log_context

logger = logging.getLogger("authfort.mfa")

_PURPOSE = "totp-secret"
_DRIFT_STEPS = 1
CODE = re.compile(r"\d{6}")

# A seam for tests: the time codes are checked against.
clock: Callable[[], float] = time.time


@dataclass(frozen=True)
class PendingTotp:
    secret: str  # base32, shown once, for manual entry
    otpauth_uri: str


def _encrypt(secret: str, account: Account) -> str:
    return encrypt_secret(secret.encode("ascii"), purpose=_PURPOSE, binding=str(account.sub))


def _decrypt(device: TotpDevice) -> str:
    return decrypt_secret(device.secret, purpose=_PURPOSE, binding=str(device.account.sub)).decode("ascii")


def device_of(user: Any, *, confirmed: bool = True) -> TotpDevice | None:
    account = Account.objects.of(user)
    device = TotpDevice.objects.select_related("account").filter(account=account).first()
    if device is None or (confirmed and device.confirmed_at is None):
        return None
    return device


def start_setup(user: Any) -> PendingTotp:
    """A new pending secret (replacing any earlier pending one); TotpAlreadyEnabled if one is confirmed."""
    account = Account.objects.of(user)
    with transaction.atomic():
        existing = TotpDevice.objects.select_for_update().filter(account=account).first()
        if existing is not None and existing.confirmed_at is not None:
            raise errors.TotpAlreadyEnabled()
        secret = pyotp.random_base32(32)  # 160 bits, RFC 4226's recommendation
        log_context.note_secrets([secret])
        TotpDevice.objects.update_or_create(
            account=account,
            defaults={"secret": _encrypt(secret, account), "confirmed_at": None, "last_used_step": None,
                      "created_at": timezone.now()},
        )
    label = account.email or str(account.sub)
    issuer = authfort_settings.TOTP_ISSUER or relying_party.rp_name()
    return PendingTotp(secret, pyotp.TOTP(secret).provisioning_uri(name=label, issuer_name=issuer))


def check_format(code: object) -> str:
    if not isinstance(code, str) or not CODE.fullmatch(code.strip().replace(" ", "")):
        raise errors.MalformedCode()
    return code.strip().replace(" ", "")


def matching_step(secret: str, code: str, now: float) -> int | None:
    """The time step whose code is `code` (within the drift window), compared in constant time."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(_datetime(now))
    found = None
    for step in range(current - _DRIFT_STEPS, current + _DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step  # no early exit: the time does not tell which step matched
    return found


def _datetime(now: float) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(now, tz=datetime.timezone.utc)


def verify(device: TotpDevice, code: object) -> None:
    """Accept `code` for `device` once; InvalidCode, CodeReplayed or MalformedCode otherwise."""
    code = check_format(code)
    try:
        secret = _decrypt(device)
    except KeyDecryptionError:
        # A key-encryption key was dropped before `rotate_keys --reencrypt` moved this
        # secret: the operator's mistake, answered 503 and logged (never the secret).
        logger.error("the TOTP secret of account %s cannot be decrypted with any KEY_ENCRYPTION_KEYS entry",
                     device.account.sub)
        raise errors.TotpUnreadable() from None
    step = matching_step(secret, code, clock())
    if step is None:
        raise errors.InvalidCode()
    # Conditional update: of two requests with the same code exactly one passes.
    accepted = TotpDevice.objects.filter(Q(last_used_step__isnull=True) | Q(last_used_step__lt=step), pk=device.pk).update(
        last_used_step=step
    )
    if not accepted:
        raise errors.CodeReplayed()
    device.last_used_step = step
    if not encrypted_with_current_key(device.secret):
        device.secret = _encrypt(_decrypt(device), device.account)
        device.save(update_fields=["secret"])


def confirm(user: Any, code: object) -> TotpDevice:
    """Enable the pending device with its first code; TotpNotPending or TotpAlreadyEnabled otherwise."""
    account = Account.objects.of(user)
    device = TotpDevice.objects.select_related("account").filter(account=account).first()
    if device is None:
        raise errors.TotpNotPending()
    if device.confirmed_at is not None:
        raise errors.TotpAlreadyEnabled()
    verify(device, code)
    if not TotpDevice.objects.filter(pk=device.pk, confirmed_at__isnull=True).update(confirmed_at=timezone.now()):
        raise errors.TotpAlreadyEnabled()  # a concurrent confirm won
    device.refresh_from_db()
    return device


def reencrypt_secrets() -> int:
    """Re-encrypt every stored TOTP secret (pending ones too) under the first
    KEY_ENCRYPTION_KEYS entry; returns how many moved.

    All or nothing: a secret that no configured key decrypts raises KeyDecryptionError
    (naming the account, never the secret) and nothing changes. Each write is
    conditional on the stored value being the one read, so a setup or a code accepted
    meanwhile is never overwritten with the older secret.
    """
    moved = 0
    with transaction.atomic():
        for device in TotpDevice.objects.select_related("account").order_by("pk").iterator():
            if encrypted_with_current_key(device.secret):
                continue
            fresh = _encrypt(_decrypt(device), device.account)
            moved += TotpDevice.objects.filter(pk=device.pk, secret=device.secret).update(secret=fresh)
    return moved
