"""Authentication method references (RFC 8176) as the `amr` claim carries them.

A session's `amr` lists the methods the user proved, once each. "mfa" is added when
they cover two kinds of factor: something known (pwd), or a sign-in at an outside
provider ("fed", not registered by RFC 8176, which allows other values: we cannot see
what the provider asked, so it counts as the one factor a password would be), and
something held (otp, hwk, swk). A passkey with user verification is both held and verified (PIN or biometric)
on the authenticator, so it counts as two by itself (NIST SP 800-63B's multi-factor
cryptographic authenticator).
"""

from __future__ import annotations

from collections.abc import Iterable

PASSWORD = "pwd"
FEDERATED = "fed"
OTP = "otp"
HARDWARE_KEY = "hwk"
SOFTWARE_KEY = "swk"
USER_PRESENCE = "user"
MFA = "mfa"

_FIRST = {PASSWORD, FEDERATED}
_HELD = {OTP, HARDWARE_KEY, SOFTWARE_KEY}
_ORDER = (PASSWORD, FEDERATED, OTP, HARDWARE_KEY, SOFTWARE_KEY, USER_PRESENCE, MFA)


def combine(*groups: Iterable[str], user_verified: bool = False) -> list[str]:
    """The union of `groups` in a stable order, with "mfa" when two kinds are covered."""
    methods = {m for group in groups for m in group if isinstance(m, str)}
    if (methods & _FIRST and methods & _HELD) or (user_verified and methods & {HARDWARE_KEY, SOFTWARE_KEY}):
        methods.add(MFA)
    known = [m for m in _ORDER if m in methods]
    return known + sorted(methods.difference(_ORDER))


def is_multi_factor(amr: Iterable[str]) -> bool:
    return MFA in set(amr)
