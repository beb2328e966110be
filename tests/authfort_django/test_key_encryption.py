"""key_encryption: private keys at rest are unreadable without the KEK; failures are explained."""

from __future__ import annotations

import pytest
from django.test import override_settings

from authfort_django.keys.crypto import (
    generate_private_key,
    load_private_key,
    serialize_private_key,
)
from authfort_django.keys.encryption import (
    KeyDecryptionError,
    decrypt_private_key,
    encrypt_private_key,
    encrypted_with_current_key,
    key_fingerprint,
)
from authfort_django.keys.rotation import ensure_key
from authfort_django.keys.store import KeyStore
from authfort_django.models import SigningKey

# These tests make their own keys, starting from an empty key table.
pytestmark = pytest.mark.no_signing_key


OLD = "old-key-encryption-secret-0123456789abcdef"
NEW = "new-key-encryption-secret-0123456789abcdef"
WRONG = "wrong-key-encryption-secret-0123456789abcd"
PEM = serialize_private_key(generate_private_key("ES256"))


def test_round_trip() -> None:
    stored = encrypt_private_key(PEM, "kid-1", [NEW])
    assert decrypt_private_key(stored, "kid-1", [NEW]) == PEM


def test_stored_value_holds_neither_the_key_nor_the_secret_only_its_fingerprint() -> None:
    stored = encrypt_private_key(PEM, "kid-1", [NEW])
    assert b"PRIVATE KEY" not in stored.encode()
    assert NEW not in stored
    assert stored.split(":")[:2] == ["afk1", key_fingerprint(NEW)]
    assert len(key_fingerprint(NEW)) == 16


def test_each_encryption_uses_a_fresh_nonce() -> None:
    assert encrypt_private_key(PEM, "kid-1", [NEW]) != encrypt_private_key(PEM, "kid-1", [NEW])


def test_first_secret_encrypts_and_every_secret_decrypts() -> None:
    under_old = encrypt_private_key(PEM, "kid-1", [OLD])
    assert decrypt_private_key(under_old, "kid-1", [NEW, OLD]) == PEM
    assert encrypt_private_key(PEM, "kid-1", [NEW, OLD]).split(":")[1] == key_fingerprint(NEW)


def test_a_wrong_secret_gives_a_clear_error_without_a_cryptography_traceback() -> None:
    stored = encrypt_private_key(PEM, "kid-1", [OLD])
    with pytest.raises(KeyDecryptionError) as caught:
        decrypt_private_key(stored, "kid-1", [WRONG])
    message = str(caught.value)
    assert message.startswith(
        "The private key of kid kid-1 cannot be decrypted with any of AUTHFORT_KEY_ENCRYPTION_KEYS"
    )
    assert key_fingerprint(OLD) in message
    assert OLD not in message and WRONG not in message
    assert caught.value.__cause__ is None


def test_a_ciphertext_moved_to_another_kid_does_not_decrypt() -> None:
    stored = encrypt_private_key(PEM, "kid-1", [NEW])
    with pytest.raises(KeyDecryptionError, match="kid-2"):
        decrypt_private_key(stored, "kid-2", [NEW])


def test_a_tampered_ciphertext_does_not_decrypt() -> None:
    stored = encrypt_private_key(PEM, "kid-1", [NEW])
    prefix, body = stored.rsplit(":", 1)
    flipped = body[:-6] + ("A" if body[-6] != "A" else "B") + body[-5:]
    with pytest.raises(KeyDecryptionError):
        decrypt_private_key(f"{prefix}:{flipped}", "kid-1", [NEW])


@pytest.mark.parametrize("stored", ["", "-----BEGIN PRIVATE KEY-----", "afk1:abc", "afk1:0011:!!", "afk1:00:AAAA"])
def test_empty_or_malformed_values_give_a_clear_error(stored: str) -> None:
    with pytest.raises(KeyDecryptionError, match="kid kid-1"):
        decrypt_private_key(stored, "kid-1", [NEW])


def test_encrypted_with_current_key() -> None:
    stored = encrypt_private_key(PEM, "kid-1", [OLD])
    assert encrypted_with_current_key(stored, [OLD, NEW])
    assert not encrypted_with_current_key(stored, [NEW, OLD])


def test_fingerprints_differ_between_secrets_and_do_not_contain_them() -> None:
    assert key_fingerprint(OLD) != key_fingerprint(NEW)
    assert key_fingerprint(OLD) not in OLD.encode().hex()


def test_a_stored_signing_key_is_unreadable_without_the_kek(db) -> None:
    with override_settings(AUTHFORT={"KEY_ENCRYPTION_KEYS": [OLD]}):
        ensure_key()
    stored = SigningKey.objects.get().private_key
    with pytest.raises(ValueError):
        load_private_key(stored.encode())  # not a PEM, in any form
    assert decrypt_private_key(stored, SigningKey.objects.get().kid, [OLD])


def test_the_key_store_reports_a_wrong_kek_clearly(db) -> None:
    with override_settings(AUTHFORT={"KEY_ENCRYPTION_KEYS": [OLD]}):
        kid = ensure_key().key.kid
    with override_settings(AUTHFORT={"KEY_ENCRYPTION_KEYS": [WRONG]}):
        with pytest.raises(KeyDecryptionError, match=f"kid {kid} cannot be decrypted"):
            KeyStore().signing_key()
