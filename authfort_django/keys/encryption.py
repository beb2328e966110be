"""Private signing keys encrypted at rest with the AUTHFORT `KEY_ENCRYPTION_KEYS`.

Each configured secret yields, through HKDF-SHA256, an AES-256-GCM key and a short
public fingerprint (independent HKDF outputs, so the fingerprint tells nothing about
the key). The first secret encrypts; every secret decrypts, so secrets rotate as:
prepend the new one, run `rotate_keys --reencrypt` (private keys and TOTP secrets),
then drop the old one.

Stored form, one ASCII line:  ``afk1:<fingerprint>:<base64url(nonce || ciphertext+tag)>``
The fingerprint picks the decrypting secret without trial decryption; the key's `kid`
is bound as associated data, so a ciphertext copied onto another key row does not
decrypt. Failures raise KeyDecryptionError with a message an operator can act on;
errors from `cryptography` never escape, and no message contains a secret.
"""

from __future__ import annotations

import base64
import binascii
import os
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from authfort_django.conf import authfort_settings

__all__ = [
    "KeyDecryptionError",
    "decrypt_private_key",
    "decrypt_secret",
    "encrypt_secret",
    "encrypt_private_key",
    "encrypted_with_current_key",
    "key_fingerprint",
]

_FORMAT = "afk1"
_SALT = b"authfort-django/key-encryption/v1"
_NONCE_BYTES = 12  # the GCM standard nonce; random per encryption
_FINGERPRINT_BYTES = 8


class KeyDecryptionError(Exception):
    """A stored private key cannot be decrypted with the configured KEY_ENCRYPTION_KEYS."""


@dataclass(frozen=True)
class _Kek:
    fingerprint: str
    aead: AESGCM


def key_fingerprint(secret: str) -> str:
    """The public identifier of a key-encryption secret (16 hex digits), safe to log."""
    return _derive(secret, b"fingerprint", _FINGERPRINT_BYTES).hex()


def encrypt_private_key(plaintext: bytes, kid: str, secrets: Sequence[str] | None = None) -> str:
    """`plaintext` encrypted under the first secret, bound to `kid`, as a storable string."""
    kek = _keks(secrets)[0]
    nonce = os.urandom(_NONCE_BYTES)
    sealed = kek.aead.encrypt(nonce, plaintext, _associated_data(kid))
    return f"{_FORMAT}:{kek.fingerprint}:{_b64encode(nonce + sealed)}"


def decrypt_private_key(stored: str, kid: str, secrets: Sequence[str] | None = None) -> bytes:
    """The plaintext of `stored` (made by encrypt_private_key for `kid`).

    Raises KeyDecryptionError when the value is empty (destroyed), malformed, encrypted
    under a secret that is not configured, or does not authenticate.
    """
    fingerprint, blob = _parse(stored, kid)
    keks = _keks(secrets)
    kek = next((k for k in keks if k.fingerprint == fingerprint), None)
    if kek is None:
        configured = ", ".join(k.fingerprint for k in keks)
        raise KeyDecryptionError(
            f"The private key of kid {kid} cannot be decrypted with any of "
            f"AUTHFORT_KEY_ENCRYPTION_KEYS: it was encrypted under the key with fingerprint "
            f"{fingerprint}, and the configured keys have fingerprints {configured}. "
            f"Add the secret it was encrypted with to KEY_ENCRYPTION_KEYS "
            f"(or revoke the key with `rotate_keys --revoke {kid}`)."
        )
    nonce, sealed = blob[:_NONCE_BYTES], blob[_NONCE_BYTES:]
    try:
        return kek.aead.decrypt(nonce, sealed, _associated_data(kid))
    except InvalidTag:
        # The `from None` keeps cryptography's empty InvalidTag out of the operator's view.
        raise KeyDecryptionError(
            f"The private key of kid {kid} cannot be decrypted with any of "
            f"AUTHFORT_KEY_ENCRYPTION_KEYS: the key with fingerprint {fingerprint} does not "
            f"authenticate it (the stored value was altered or belongs to another kid). "
            f"Revoke it with `rotate_keys --revoke {kid}`."
        ) from None


def encrypted_with_current_key(stored: str, secrets: Sequence[str] | None = None) -> bool:
    """Whether `stored` is already encrypted under the first (encrypting) secret."""
    if not stored.startswith(f"{_FORMAT}:"):
        return False
    return stored.split(":", 2)[1] == _keks(secrets)[0].fingerprint


# Other secrets at rest (a TOTP seed), under the same keys and format. The associated data
# names the purpose and what the value belongs to, so no ciphertext can stand in for
# another: a TOTP secret copied onto another account does not decrypt, and neither
# kind passes for the other.


def encrypt_secret(plaintext: bytes, *, purpose: str, binding: str, secrets: Sequence[str] | None = None) -> str:
    """`plaintext` encrypted under the first secret, bound to `purpose` and `binding`."""
    kek = _keks(secrets)[0]
    nonce = os.urandom(_NONCE_BYTES)
    sealed = kek.aead.encrypt(nonce, plaintext, f"{_FORMAT}:{purpose}:{binding}".encode())
    return f"{_FORMAT}:{kek.fingerprint}:{_b64encode(nonce + sealed)}"


def decrypt_secret(stored: str, *, purpose: str, binding: str, secrets: Sequence[str] | None = None) -> bytes:
    """The plaintext of `stored` (made by encrypt_secret); KeyDecryptionError otherwise."""
    what = f"The stored {purpose} of {binding}"
    parts = stored.split(":")
    blob = b""
    if len(parts) == 3 and parts[0] == _FORMAT:
        try:
            blob = _b64decode(parts[2])
        except (binascii.Error, ValueError):
            blob = b""
    if len(blob) <= _NONCE_BYTES:
        raise KeyDecryptionError(f"{what} is not in the {_FORMAT} format or is corrupt.")
    kek = next((k for k in _keks(secrets) if k.fingerprint == parts[1]), None)
    if kek is None:
        raise KeyDecryptionError(
            f"{what} was encrypted under the key with fingerprint {parts[1]}, which is not among "
            f"AUTHFORT_KEY_ENCRYPTION_KEYS: add the secret it was encrypted with."
        )
    try:
        return kek.aead.decrypt(blob[:_NONCE_BYTES], blob[_NONCE_BYTES:], f"{_FORMAT}:{purpose}:{binding}".encode())
    except InvalidTag:
        raise KeyDecryptionError(f"{what} does not authenticate (altered, or copied from elsewhere).") from None


def _keks(secrets: Sequence[str] | None) -> list[_Kek]:
    values = list(secrets) if secrets is not None else authfort_settings.KEY_ENCRYPTION_KEYS
    values = [s for s in values if s]
    if not values:
        raise KeyDecryptionError("AUTHFORT_KEY_ENCRYPTION_KEYS is empty: configure at least one secret.")
    return [
        _Kek(fingerprint=key_fingerprint(secret), aead=AESGCM(_derive(secret, b"aes-256-gcm", 32)))
        for secret in values
    ]


def _derive(secret: str, purpose: bytes, length: int) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=length, salt=_SALT, info=b"authfort " + purpose)
    return hkdf.derive(secret.encode("utf-8"))


def _associated_data(kid: str) -> bytes:
    return f"{_FORMAT}:signing-key:{kid}".encode()


def _parse(stored: str, kid: str) -> tuple[str, bytes]:
    if not stored:
        raise KeyDecryptionError(
            f"The private key of kid {kid} has been destroyed (the key expired or was revoked); "
            f"it cannot sign any more."
        )
    parts = stored.split(":")
    if len(parts) != 3 or parts[0] != _FORMAT:
        raise KeyDecryptionError(
            f"The private key of kid {kid} cannot be decrypted with any of "
            f"AUTHFORT_KEY_ENCRYPTION_KEYS: it is not in the {_FORMAT} format "
            f"(was it stored unencrypted or by another program?)."
        )
    try:
        blob = _b64decode(parts[2])
    except (binascii.Error, ValueError):
        blob = b""
    if len(blob) <= _NONCE_BYTES:
        raise KeyDecryptionError(
            f"The private key of kid {kid} cannot be decrypted with any of "
            f"AUTHFORT_KEY_ENCRYPTION_KEYS: the stored value is truncated or corrupt."
        )
    return parts[1], blob


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
