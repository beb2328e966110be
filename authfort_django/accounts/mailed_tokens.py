"""Single-use, time-limited tokens that are mailed to a user (password reset, email verification).

A raw token is `<selector>.<verifier>` (96 + 256 random bits). The selector finds
the row; the verifier is stored only as its SHA-256 and compared with
`hmac.compare_digest`, so neither the database nor the time a lookup takes gives
away a usable token. A token dies when it is used, when a newer token of the same
purpose is issued for the user, when it expires, and when what it vouches for
changes: its `binding` is a keyed digest (SECRET_KEY) of the email address and,
for a password reset, of the password hash, as in Django's PasswordResetTokenGenerator.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connections, router, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac

from authfort_django.models import Account, AccountToken, User
from authfort_django.observability import context as log_context

SELECTOR_BYTES = 12
VERIFIER_BYTES = 32
_TOKEN_SHAPE = re.compile(r"([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{43})")

Purpose = AccountToken.Purpose


@dataclass(frozen=True)
class IssuedToken:
    record: AccountToken
    raw: str  # shown once: mailed or handed to a signal receiver, never stored or logged


class TokenRejected(Exception):
    """Why a presented token cannot be used: `reason` is invalid, used, superseded or expired.

    `user` is set only when the secret part matched (the presenter held a genuine token).
    """

    def __init__(self, reason: str, user: User | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.user = user


def _hash_verifier(verifier: str) -> str:
    return hashlib.sha256(verifier.encode("ascii")).hexdigest()


def binding(purpose: str, user: User) -> str:
    """What the token vouches for, as a keyed digest: it changes with the email (and password)."""
    # The canonical address (for 0.2 links: the same string as before, for ASCII addresses).
    return _binding_of(purpose, Account.objects.of(user).email or "", user.password or "")


def _binding_of(purpose: str, address: str, password_hash: str) -> str:
    material = address
    if purpose == Purpose.PASSWORD_RESET:
        material += "\x00" + password_hash
    # The salt keeps its 0.2 module name: links mailed before an upgrade still work.
    return salted_hmac(f"authfort_django.account_tokens.{purpose}", material, algorithm="sha256").hexdigest()


def new_raw_token() -> tuple[str, str, str]:
    """(selector, verifier, raw token) fresh from `secrets`."""
    selector = secrets.token_urlsafe(SELECTOR_BYTES)
    verifier = secrets.token_urlsafe(VERIFIER_BYTES)
    return selector, verifier, f"{selector}.{verifier}"


def issue(user: User, purpose: str, *, ttl: int, now: datetime | None = None) -> IssuedToken:
    """A new token for `user`; every earlier unused token of the same purpose is superseded."""
    now = now or timezone.now()
    selector, verifier, raw = new_raw_token()
    log_context.note_secrets([raw])  # blanked from this request's log lines, links included
    with transaction.atomic():
        _supersede_outstanding(user, purpose, now=now)
        record = AccountToken.objects.create(
            purpose=purpose,
            user=user,
            selector=selector,
            verifier_hash=_hash_verifier(verifier),
            binding=binding(purpose, user),
            created_at=now,
            expires_at=now + timedelta(seconds=int(ttl)),
        )
    return IssuedToken(record, raw)


def rehearse_issue(address: str, purpose: str, *, ttl: int, now: datetime | None = None) -> None:
    """For an address without an account: `issue`'s work, statement for statement, storing nothing.

    The same random draws, digests and transaction, the same UPDATE (it matches no row:
    no token belongs to nobody) and an INSERT into the same table whose SELECT yields no
    row. So a request for an unknown address makes the database do what a known one
    does, and the answer time does not tell them apart (tests/authfort_django/
    test_recovery_equal_work.py pins the statements, bench/reset_timing.py the time).
    """
    now = now or timezone.now()
    selector, verifier, raw = new_raw_token()
    log_context.note_secrets([raw])
    row = {
        "purpose": purpose,
        "user_id": None,
        "selector": selector,
        "verifier_hash": _hash_verifier(verifier),
        # A password hash's length: the digest runs over as much material as a real one.
        "binding": _binding_of(purpose, address, _STAND_IN_PASSWORD_HASH),
        "created_at": now,
        "expires_at": now + timedelta(seconds=int(ttl)),
        "used_at": None,
        "superseded_at": None,
    }
    with transaction.atomic():
        _supersede_outstanding(None, purpose, now=now)
        _insert_no_row(row)


_STAND_IN_PASSWORD_HASH = "argon2$argon2id$v=19$m=102400,t=2,p=8$" + "0" * 22 + "$" + "0" * 43


def _insert_no_row(row: dict[str, object]) -> None:
    """INSERT INTO the token table ... SELECT <row> ... WHERE 1 = 0: parsed, planned, and
    run like the INSERT of `issue`, on every database, and it adds nothing."""
    table = AccountToken._meta.db_table
    fields = [AccountToken._meta.get_field(name.removesuffix("_id")) for name in row]
    connection = connections[router.db_for_write(AccountToken)]
    quote = connection.ops.quote_name
    values = [field.get_db_prep_save(value, connection) for field, value in zip(fields, row.values())]
    if connection.vendor == "postgresql":
        # A SELECT list's untyped parameters would be text there; each gets its column's type.
        placeholders = ", ".join(f"CAST(%s AS {field.db_type(connection)})" for field in fields)
    else:
        placeholders = ", ".join(["%s"] * len(values))
    columns = ", ".join(quote(field.column) for field in fields)
    # A FROM clause, which MySQL/MariaDB want before a WHERE; nothing is read from it.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(table)} ({columns}) SELECT {placeholders} FROM {quote(table)} WHERE 1 = 0", values
        )


def _supersede_outstanding(user: User | None, purpose: str, *, now: datetime) -> int:
    return AccountToken.objects.filter(
        user=user, purpose=purpose, used_at__isnull=True, superseded_at__isnull=True
    ).update(superseded_at=now)


def redeem(raw: object, purpose: str, *, now: datetime | None = None) -> AccountToken:
    """The usable token row for `raw`, locked and marked used; raises TokenRejected.

    Call inside a transaction: the row lock makes two concurrent redemptions of one
    token end with exactly one success, and a later failure in the caller's
    transaction rolls the use back.
    """
    now = now or timezone.now()
    shape = _TOKEN_SHAPE.fullmatch(raw) if isinstance(raw, str) else None
    if shape is None:
        raise TokenRejected("invalid")
    selector, verifier = shape.groups()
    # Only the token row is locked (no join): locking the user row too would make the
    # foreign-key checks of concurrent audit rows wait on it, and deadlock.
    record = AccountToken.objects.select_for_update().filter(selector=selector, purpose=purpose).first()
    if record is None or not hmac.compare_digest(_hash_verifier(verifier), record.verifier_hash):
        raise TokenRejected("invalid")
    user = record.user
    if not user.is_active:
        raise TokenRejected("invalid")  # a banned user recovers nothing
    if record.used_at is not None:
        raise TokenRejected("used", user)
    if record.superseded_at is not None or not hmac.compare_digest(binding(purpose, user), record.binding):
        raise TokenRejected("superseded", user)
    if now >= record.expires_at:
        raise TokenRejected("expired", user)
    record.used_at = now
    record.save(update_fields=["used_at"])
    return record


# Expired tokens are kept this long so a late click still gets `*_expired`, not `*_invalid`.
KEEP_EXPIRED = timedelta(days=7)


def purge_expired(*, now: datetime | None = None) -> int:
    """Delete tokens that expired more than KEEP_EXPIRED ago."""
    now = now or timezone.now()
    return AccountToken.objects.filter(expires_at__lte=now - KEEP_EXPIRED).delete()[0]
