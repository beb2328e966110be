"""Passkeys (WebAuthn, with py_webauthn): registration, assertions, listing and removal.

Every ceremony's challenge is a row of challenges.py (single use, MFA_TOKEN_TTL).
An assertion is checked against the relying party's ID and allowed origins, the
stored public key and the sign counter (a counter that does not grow, when the
authenticator keeps one, means a cloned authenticator: refused and audited).
Credentials arrive as the JSON of PublicKeyCredential.toJSON(); anything larger
than MAX_CREDENTIAL_BYTES or of the wrong shape is refused before parsing, and
nothing py_webauthn raises escapes as a 500.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from authfort_django.mfa import amr as amr_values
from authfort_django.mfa import challenges, errors, relying_party
from authfort_django.models import Account, MFAChallenge, Passkey

MAX_CREDENTIAL_BYTES = 32 * 1024  # an attestation with its certificate chain is a few KiB
MAX_PASSKEYS = 20
_CHALLENGE_BYTES = 32


@dataclass(frozen=True)
class Assertion:
    """A verified assertion: the passkey used and the methods it proves."""

    passkey: Passkey
    amr: list[str]


def _checked_json(credential: object) -> dict[str, Any]:
    if not isinstance(credential, dict):
        raise errors.MalformedPasskey()
    try:
        size = len(json.dumps(credential))
    except (TypeError, ValueError):
        raise errors.MalformedPasskey() from None
    if size > MAX_CREDENTIAL_BYTES or not isinstance(credential.get("id"), str) or len(credential["id"]) > 1400:
        raise errors.MalformedPasskey()
    if credential.get("rawId") != credential["id"] or not isinstance(credential.get("response"), dict):
        raise errors.MalformedPasskey()
    return credential


def _descriptors(account: Account) -> list[PublicKeyCredentialDescriptor]:
    return [PublicKeyCredentialDescriptor(id=base64url_to_bytes(p.credential_id)) for p in account.passkeys.all()]


def _options_json(options: Any) -> dict[str, Any]:
    return json.loads(options_to_json(options))


# -- registration --------------------------------------------------------------------------


def registration_options(user: Any) -> dict[str, Any]:
    """Creation options (JSON) for a new passkey of `user`; the challenge is kept server-side."""
    account = Account.objects.of(user)
    challenge = secrets.token_bytes(_CHALLENGE_BYTES)
    options = generate_registration_options(
        rp_id=relying_party.rp_id(),
        rp_name=relying_party.rp_name(),
        user_id=account.sub.bytes,
        user_name=account.email or str(account.sub),
        user_display_name=account.email or str(account.sub),
        challenge=challenge,
        exclude_credentials=_descriptors(account),
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED, user_verification=UserVerificationRequirement.PREFERRED
        ),
    )
    challenges.issue(MFAChallenge.Purpose.PASSKEY_REGISTER, user=user, webauthn_challenge=bytes_to_base64url(challenge))
    return _options_json(options)


def register(user: Any, credential: object, *, name: str = "") -> Passkey:
    """Verify the authenticator's answer to the newest pending options of `user` and store the passkey."""
    credential = _checked_json(credential)
    account = Account.objects.of(user)
    pending = (
        MFAChallenge.objects.filter(
            purpose=MFAChallenge.Purpose.PASSKEY_REGISTER, user=user, used_at__isnull=True, expires_at__gt=timezone.now()
        )
        .order_by("-created_at")
        .first()
    )
    if pending is None:
        raise errors.PasskeyRegistrationFailed(
            "There are no pending passkey options (they last 5 minutes and work once). "
            "Ask for new ones with POST /auth/passkeys/register/options."
        )
    challenges.consume(pending, invalid=errors.ChallengeInvalid)
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(pending.webauthn_challenge),
            expected_rp_id=relying_party.rp_id(),
            expected_origin=relying_party.origins(),
        )
    except Exception:  # noqa: BLE001 - py_webauthn raises many kinds (CBOR, base64, its own): all are refusals
        raise errors.PasskeyRegistrationFailed() from None
    if account.passkeys.count() >= MAX_PASSKEYS:
        raise errors.PasskeyRegistrationFailed(f"An account has at most {MAX_PASSKEYS} passkeys; remove one first.")
    transports = credential["response"].get("transports")
    try:
        with transaction.atomic():
            return Passkey.objects.create(
                account=account,
                credential_id=bytes_to_base64url(verified.credential_id),
                public_key=verified.credential_public_key,
                sign_count=verified.sign_count,
                name=name[:64],
                aaguid=str(verified.aaguid)[:36],
                backed_up=bool(verified.credential_backed_up),
                transports=[t for t in transports if isinstance(t, str)][:8] if isinstance(transports, list) else [],
            )
    except IntegrityError:
        raise errors.PasskeyAlreadyRegistered() from None


def listing(user: Any) -> list[Passkey]:
    return list(Account.objects.of(user).passkeys.all())


def find_own(user: Any, passkey_id: str) -> Passkey:
    try:
        return Account.objects.of(user).passkeys.get(pk=passkey_id)
    except (Passkey.DoesNotExist, ValueError, Exception):  # noqa: BLE001 - a malformed UUID is "not found" too
        raise errors.PasskeyNotFound() from None


# -- assertions ------------------------------------------------------------------------------


def assertion_options(user: Any = None, *, user_verification: bool = False) -> tuple[dict[str, Any], str]:
    """Request options and the challenge (base64url) to keep: for `user`'s passkeys, or any
    discoverable passkey when `user` is None."""
    challenge = secrets.token_bytes(_CHALLENGE_BYTES)
    allow = _descriptors(Account.objects.of(user)) if user is not None else []
    options = generate_authentication_options(
        rp_id=relying_party.rp_id(),
        challenge=challenge,
        allow_credentials=allow,
        user_verification=(
            UserVerificationRequirement.REQUIRED if user_verification else UserVerificationRequirement.PREFERRED
        ),
    )
    return _options_json(options), bytes_to_base64url(challenge)


_REFUSALS = (
    ("sign count", errors.PasskeyCounterRegressed),
    ("RP ID", errors.PasskeyWrongRelyingParty),
    ("origin", errors.PasskeyWrongOrigin),
    ("User verification", errors.PasskeyRefused),
)


def verify_assertion(
    credential: object, *, challenge: str, user: Any = None, user_verification: bool = False
) -> Assertion:
    """The passkey that signed `challenge` (and belongs to `user` when given); a
    PasskeyRefused subclass or MalformedPasskey otherwise."""
    credential = _checked_json(credential)
    passkey = Passkey.objects.select_related("account__user").filter(credential_id=credential["id"]).first()
    if passkey is None or (user is not None and passkey.account.user_id != user.pk):
        raise errors.PasskeyUnknown()
    handle = credential["response"].get("userHandle")
    if handle not in (None, "") and handle != bytes_to_base64url(passkey.account.sub.bytes):
        raise errors.PasskeyUnknown()
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge),
            expected_rp_id=relying_party.rp_id(),
            expected_origin=relying_party.origins(),
            credential_public_key=bytes(passkey.public_key),
            credential_current_sign_count=passkey.sign_count,
            require_user_verification=user_verification,
        )
    except Exception as refused:  # noqa: BLE001 - every kind py_webauthn raises is a refusal
        message = str(refused)
        for marker, error in _REFUSALS:
            if marker in message:
                raise error() from None
        raise errors.PasskeyRefused() from None
    # Only if nobody moved the counter meanwhile: two uses of one assertion cannot both pass.
    moved = Passkey.objects.filter(pk=passkey.pk, sign_count=passkey.sign_count).update(
        sign_count=verified.new_sign_count, last_used_at=timezone.now(), backed_up=verified.credential_backed_up
    )
    if not moved:
        raise errors.PasskeyCounterRegressed()
    method = amr_values.SOFTWARE_KEY if verified.credential_backed_up else amr_values.HARDWARE_KEY
    return Assertion(passkey, amr_values.combine([method], user_verified=verified.user_verified))
