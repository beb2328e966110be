"""Single-use secrets that finish a sign-in, stored as digests in SignInCode rows.

    exchange code  `<selector>.<verifier>`: handed to a bearer client in the callback's
                   redirect, traded once within OAUTH_EXCHANGE_CODE_TTL for a token pair
    magic link     the same shape (as accounts/mailed_tokens.py, whose pieces it uses),
                   mailed; names a canonical address, not an account (there may be none yet)
    email code     EMAIL_CODE_DIGITS digits, mailed; at most EMAIL_CODE_MAX_ATTEMPTS guesses

A newer link or code for an address supersedes the older ones. Secrets are compared in
constant time; a numeric code is kept as a keyed digest (SECRET_KEY) with a per-row salt,
since a plain hash of six digits is reversed by trying them all.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from authfort_django.accounts import mailed_tokens
from authfort_django.conf import authfort_settings
from authfort_django.federation import errors
from authfort_django.models import SignInCode
from authfort_django.observability import context as log_context

Kind = SignInCode.Kind
_TOKEN_SHAPE = re.compile(r"([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})")


def _hash(verifier: str) -> str:
    return hashlib.sha256(verifier.encode("ascii")).hexdigest()


def _new(kind: str, *, ttl: int, now: datetime, **fields: Any) -> tuple[SignInCode, str]:
    selector, verifier, raw = mailed_tokens.new_raw_token()
    log_context.note_secrets([raw])
    record = SignInCode.objects.create(
        kind=kind, selector=selector, secret_hash=_hash(verifier), created_at=now,
        expires_at=now + timedelta(seconds=ttl), **fields,
    )
    return record, raw


def _redeem(kind: str, raw: object, *, now: datetime) -> SignInCode:
    """The row, locked and marked used. Raises TokenRejected (as mailed_tokens: invalid,
    used, superseded, expired); call inside a transaction."""
    shape = _TOKEN_SHAPE.fullmatch(raw) if isinstance(raw, str) else None
    if shape is None:
        raise mailed_tokens.TokenRejected("invalid")
    selector, verifier = shape.groups()
    record = SignInCode.objects.select_for_update().filter(selector=selector, kind=kind).first()
    if record is None or not hmac.compare_digest(_hash(verifier), record.secret_hash):
        raise mailed_tokens.TokenRejected("invalid")
    if record.used_at is not None:
        raise mailed_tokens.TokenRejected("used")
    if record.superseded_at is not None:
        raise mailed_tokens.TokenRejected("superseded")
    if now >= record.expires_at:
        raise mailed_tokens.TokenRejected("expired")
    record.used_at = now
    record.save(update_fields=["used_at"])
    return record


# -- exchange codes -------------------------------------------------------------------


def issue_exchange_code(user: Any, *, amr: list[str], provider: str) -> str:
    _, raw = _new(
        Kind.EXCHANGE, ttl=int(authfort_settings.OAUTH_EXCHANGE_CODE_TTL), now=timezone.now(),
        user=user, amr=amr, provider=provider,
    )
    return raw


def redeem_exchange_code(raw: object) -> SignInCode:
    """The code's row (user, amr, provider), spent; SignInCodeInvalid for any unusable code."""
    try:
        with transaction.atomic():
            return _redeem(Kind.EXCHANGE, raw, now=timezone.now())
    except mailed_tokens.TokenRejected:
        raise errors.SignInCodeInvalid() from None


# -- magic links -----------------------------------------------------------------------


def _supersede(kind: str, email: str, now: datetime) -> None:
    SignInCode.objects.filter(kind=kind, email=email, used_at__isnull=True, superseded_at__isnull=True).update(
        superseded_at=now
    )


def issue_magic_link(email: str) -> str:
    now = timezone.now()
    with transaction.atomic():
        _supersede(Kind.MAGIC_LINK, email, now)
        _, raw = _new(Kind.MAGIC_LINK, ttl=int(authfort_settings.MAGIC_LINK_TTL), now=now, email=email, amr=["otp"])
    return raw


# -- email codes -----------------------------------------------------------------------


def _code_digest(salt: str, code: str) -> str:
    return salted_hmac("authfort_django.federation.email_code", f"{salt}:{code}", algorithm="sha256").hexdigest()


def digits() -> int:
    return min(8, max(6, int(authfort_settings.EMAIL_CODE_DIGITS)))


def issue_email_code(email: str) -> str:
    now = timezone.now()
    length = digits()
    code = f"{secrets.randbelow(10**length):0{length}d}"
    salt = secrets.token_urlsafe(12)
    with transaction.atomic():
        _supersede(Kind.EMAIL_CODE, email, now)
        SignInCode.objects.create(
            kind=Kind.EMAIL_CODE, selector=salt, secret_hash=_code_digest(salt, code), email=email, amr=["otp"],
            created_at=now, expires_at=now + timedelta(seconds=int(authfort_settings.EMAIL_CODE_TTL)),
        )
    log_context.note_secrets([code])
    return code


@dataclass(frozen=True)
class CodeCheck:
    ok: bool
    reason: str  # "accepted", "wrong", "no_code", "attempts_exceeded"


def check_email_code(email: str, code: object) -> CodeCheck:
    """Spend the address's outstanding code if `code` is it; otherwise count a wrong guess.

    The guess is counted in its own committed transaction, before the answer: a caller
    cannot escape the limit by making the request fail afterwards.
    """
    now = timezone.now()
    limit = int(authfort_settings.EMAIL_CODE_MAX_ATTEMPTS)
    with transaction.atomic():
        record = (
            SignInCode.objects.select_for_update()
            .filter(kind=Kind.EMAIL_CODE, email=email, used_at__isnull=True, superseded_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if record is None:
            return CodeCheck(False, "no_code")
        if record.attempts >= limit:
            return CodeCheck(False, "attempts_exceeded")
        given = code if isinstance(code, str) and code.isascii() and code.isdigit() else ""
        if given and hmac.compare_digest(_code_digest(record.selector or "", given), record.secret_hash):
            record.used_at = now
            record.save(update_fields=["used_at"])
            return CodeCheck(True, "accepted")
        record.attempts += 1
        record.save(update_fields=["attempts"])
        return CodeCheck(False, "attempts_exceeded" if record.attempts >= limit else "wrong")


def redeem_magic_link(raw: object) -> SignInCode:
    """The link's row, spent; MagicLink* errors say why it cannot be used."""
    try:
        with transaction.atomic():
            return _redeem(Kind.MAGIC_LINK, raw, now=timezone.now())
    except mailed_tokens.TokenRejected as rejected:
        raise {
            "invalid": errors.MagicLinkInvalid,
            "used": errors.MagicLinkUsed,
            "superseded": errors.MagicLinkSuperseded,
            "expired": errors.MagicLinkExpired,
        }[rejected.reason]() from None


def purge_expired(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return SignInCode.objects.filter(expires_at__lte=now - mailed_tokens.KEEP_EXPIRED).delete()[0]
