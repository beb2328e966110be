"""Recovery codes: ten single-use codes for when the authenticator is lost.

Each code is 80 bits from `secrets` in 16 base32 letters (`abcd-efgh-ijkl-mnop`),
shown once. Only the SHA-256 of its normalised form is stored: 80 bits are beyond
any search, so no slow hash is needed, and a lookup by digest compares nothing
character by character. Regenerating replaces the whole set.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone

from authfort_django.mfa import errors
from authfort_django.models import Account, RecoveryCode
from authfort_django.observability import context as log_context

COUNT = 10
_SHAPE = re.compile(r"[a-z2-7]{16}")


def _normalise(code: object) -> str:
    if not isinstance(code, str) or len(code) > 64:
        raise errors.MalformedCode()
    text = code.strip().lower().replace("-", "").replace(" ", "")
    if not _SHAPE.fullmatch(text):
        raise errors.MalformedCode()
    return text


def _digest(normalised: str) -> str:
    return hashlib.sha256(normalised.encode("ascii")).hexdigest()


def _new_code() -> str:
    text = base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()
    return "-".join(text[i : i + 4] for i in range(0, 16, 4))


def replace_all(user: Any) -> list[str]:
    """A new set of COUNT codes (returned once); every earlier code stops working."""
    account = Account.objects.of(user)
    codes = [_new_code() for _ in range(COUNT)]
    log_context.note_secrets(codes)
    with transaction.atomic():
        RecoveryCode.objects.filter(account=account).delete()
        RecoveryCode.objects.bulk_create(
            [RecoveryCode(account=account, code_hash=_digest(_normalise(code))) for code in codes]
        )
    return codes


def remaining(user: Any) -> int:
    return RecoveryCode.objects.filter(account=Account.objects.of(user), used_at__isnull=True).count()


def use(user: Any, code: object) -> None:
    """Spend `code`; RecoveryCodeInvalid, RecoveryCodeUsed or MalformedCode otherwise."""
    digest = _digest(_normalise(code))
    row = RecoveryCode.objects.filter(account=Account.objects.of(user), code_hash=digest).first()
    if row is None:
        raise errors.RecoveryCodeInvalid()
    if not RecoveryCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=timezone.now()):
        raise errors.RecoveryCodeUsed()


def delete_all(user: Any) -> None:
    RecoveryCode.objects.filter(account=Account.objects.of(user)).delete()
