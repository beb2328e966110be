"""What a user has enabled, and the changes that end other sessions.

Every change is audited here (an AuthEvent row, a log line, the auth_event signal and
the event's own signal, see mfa/events.py), so the API and the admin record the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from authfort_django import signals
from authfort_django.mfa import errors, events, passkeys, recovery_codes, totp
from authfort_django.models import Account, AuthEvent, Passkey, RecoveryCode, Session, TotpDevice
from authfort_django.request_context import NO_REQUEST, RequestContext
from authfort_django.sessions.lifecycle import end_every_session

METHOD_TOTP = "totp"
METHOD_RECOVERY_CODE = "recovery_code"
METHOD_PASSKEY = "passkey"


@dataclass(frozen=True)
class MFAStatus:
    totp: bool
    passkeys: int
    recovery_codes_left: int

    @property
    def enabled(self) -> bool:
        return self.totp or self.passkeys > 0


def status(user: Any) -> MFAStatus:
    account = Account.objects.of(user)
    return MFAStatus(
        totp=TotpDevice.objects.filter(account=account, confirmed_at__isnull=False).exists(),
        passkeys=Passkey.objects.filter(account=account).count(),
        recovery_codes_left=RecoveryCode.objects.filter(account=account, used_at__isnull=True).count(),
    )


def methods(user: Any) -> list[str]:
    """The second factors `user` can complete a login with (empty: no MFA).

    Every login asks this, so it is one query: three EXISTS on the account's row
    (status() counts, for GET /auth/mfa)."""
    account = Account.objects.of(user)
    if account.pk is None:
        return []
    has = (
        Account.objects.filter(pk=account.pk)
        .annotate(
            totp=Exists(TotpDevice.objects.filter(account=OuterRef("pk"), confirmed_at__isnull=False)),
            passkey=Exists(Passkey.objects.filter(account=OuterRef("pk"))),
            recovery_code=Exists(RecoveryCode.objects.filter(account=OuterRef("pk"), used_at__isnull=True)),
        )
        .values("totp", "passkey", "recovery_code")
        .get()
    )
    found = [method for method, key in ((METHOD_TOTP, "totp"), (METHOD_PASSKEY, "passkey")) if has[key]]
    if found and has["recovery_code"]:
        found.append(METHOD_RECOVERY_CODE)
    return found


def end_other_sessions(user: Any, keep: Session | None, *, reason: str) -> int:
    """Revoke every live session of `user` but `keep`; returns how many."""
    others = Session.objects.filter(user=user, revoked_at__isnull=True)
    if keep is not None:
        others = others.exclude(pk=keep.pk)
    return others.update(revoked_at=timezone.now(), revoked_reason=reason)


def enable_totp(user: Any, code: object, *, session: Session | None = None, context: RequestContext = NO_REQUEST) -> list[str]:
    """Confirm the pending authenticator app; returns a fresh set of recovery codes (shown once)."""
    with transaction.atomic():
        totp.confirm(user, code)
        codes = recovery_codes.replace_all(user)
        events.record(AuthEvent.Type.MFA_ENABLED, signals.mfa_enabled, user=user, session=session, context=context,
                      arguments={"method": METHOD_TOTP}, method=METHOD_TOTP)
    return codes


def disable_totp(user: Any, *, session: Session | None = None, context: RequestContext = NO_REQUEST) -> int:
    """Remove the authenticator app; with no factor left the recovery codes go too.
    Every other session ends (a thief's among them); returns how many."""
    with transaction.atomic():
        deleted, _ = TotpDevice.objects.filter(account=Account.objects.of(user)).delete()
        if not deleted:
            raise errors.MFANotEnabled()
        if not status(user).enabled:
            recovery_codes.delete_all(user)
        ended = end_other_sessions(user, session, reason="mfa_disabled")
        events.record(
            AuthEvent.Type.MFA_DISABLED, signals.mfa_disabled, user=user, session=session, context=context,
            arguments={"method": METHOD_TOTP, "sessions_revoked": ended}, method=METHOD_TOTP, sessions_revoked=ended,
        )
    return ended


def regenerate_recovery_codes(user: Any, *, session: Session | None = None, context: RequestContext = NO_REQUEST) -> list[str]:
    if not status(user).enabled:
        raise errors.MFANotEnabled()
    with transaction.atomic():
        codes = recovery_codes.replace_all(user)
        events.record(AuthEvent.Type.RECOVERY_CODES_REGENERATED, signals.recovery_codes_regenerated, user=user,
                      session=session, context=context)
    return codes


def add_passkey(user: Any, credential: object, *, name: str = "", session: Session | None = None,
                context: RequestContext = NO_REQUEST) -> tuple[Passkey, list[str] | None]:
    """Register a passkey; the first factor of an account also gets recovery codes (else None)."""
    with transaction.atomic():
        had_factor = status(user).enabled
        passkey = passkeys.register(user, credential, name=name)
        codes = None if had_factor else recovery_codes.replace_all(user)
        events.record(AuthEvent.Type.PASSKEY_ADDED, signals.passkey_added, user=user, session=session, context=context,
                      arguments={"passkey": passkey}, passkey=str(passkey.pk))
    return passkey, codes


def remove_passkey(user: Any, passkey_id: str, *, session: Session | None = None, context: RequestContext = NO_REQUEST) -> int:
    with transaction.atomic():
        passkey = passkeys.find_own(user, passkey_id)
        passkey.delete()
        if not status(user).enabled:
            recovery_codes.delete_all(user)
        ended = end_other_sessions(user, session, reason="passkey_removed")
        events.record(
            AuthEvent.Type.PASSKEY_REMOVED, signals.passkey_removed, user=user, session=session, context=context,
            arguments={"passkey_id": str(passkey_id), "sessions_revoked": ended}, passkey=str(passkey_id),
            sessions_revoked=ended,
        )
    return ended


def reset_mfa(user: Any, *, by: Any = None, context: RequestContext = NO_REQUEST) -> int:
    """For administrators (an admin action, support): remove every factor and recovery code of
    `user` and end all their sessions and tokens; returns how many sessions ended."""
    account = Account.objects.of(user)
    with transaction.atomic():
        TotpDevice.objects.filter(account=account).delete()
        Passkey.objects.filter(account=account).delete()
        recovery_codes.delete_all(user)
        ended = end_every_session(user, reason="mfa_reset")
        events.record(
            AuthEvent.Type.MFA_RESET, signals.mfa_reset, user=user, context=context,
            arguments={"by": by, "sessions_revoked": ended},
            by=str(getattr(by, "pk", "")) or None, sessions_revoked=ended,
        )
    return ended
