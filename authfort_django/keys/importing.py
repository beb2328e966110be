"""Bring your own key: a PEM private key made elsewhere (openssl), checked before it may sign.

`read_private_key(pem, passphrase=None)` returns the key and the algorithm it signs
with: RSA (2048..8192 bits, e = 65537) -> RS256, EC P-256 -> ES256, Ed25519 -> EdDSA,
the same keys and limits `generate_private_key` and verifier_client accept. Anything
else raises KeyImportError with a message that says what the file holds and what to
do; no message ever contains key material or the passphrase, and no error from
`cryptography` escapes.

The PEM blocks are looked at before `cryptography` parses anything, so a certificate,
a public key or an encrypted key is named as such rather than as "could not
deserialize". Files from `openssl ecparam -genkey` carry an EC PARAMETERS block
before the key: only the private-key block counts.
"""

from __future__ import annotations

import re

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from authfort_django.conf import SUPPORTED_ALGORITHMS
from authfort_django.keys.crypto import MIN_RSA_KEY_SIZE, PrivateKey

__all__ = [
    "MAX_PEM_BYTES",
    "MAX_RSA_KEY_SIZE",
    "KeyImportError",
    "read_private_key",
]

# A PEM private key is a few kilobytes at most (an 8192-bit RSA key is about 6.5 KB).
MAX_PEM_BYTES = 64 * 1024
# verifier_client skips larger moduli (its _MAX_RSA_BITS): such a key could sign
# tokens that no consumer verifies.
MAX_RSA_KEY_SIZE = 8192
# The only exponent `generate_private_key` uses; small exponents have a history of misuse.
_RSA_PUBLIC_EXPONENT = 65537

_BLOCK = re.compile(
    rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n.*?-----END \1-----",
    re.DOTALL,
)
_PRIVATE_LABELS = frozenset({"PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "ENCRYPTED PRIVATE KEY"})
_PUBLIC_LABELS = frozenset({"PUBLIC KEY", "RSA PUBLIC KEY"})
_CERTIFICATE_LABELS = frozenset({"CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE", "CERTIFICATE REQUEST"})
_SUPPORTED = "RSA >= 2048 bits (RS256), EC P-256 (ES256) or Ed25519 (EdDSA)"


class KeyImportError(ValueError):
    """The PEM cannot be imported as a signing key; the message says why and what to do."""


def read_private_key(pem: bytes, passphrase: bytes | None = None) -> tuple[PrivateKey, str]:
    """The private key in `pem` and its algorithm (one of SUPPORTED_ALGORITHMS).

    `passphrase` decrypts an encrypted PEM ("ENCRYPTED PRIVATE KEY", or a traditional
    key with "Proc-Type: 4,ENCRYPTED"); it is refused for an unencrypted one, so a
    mistaken belief that the file is protected does not pass unnoticed.
    """
    if len(pem) > MAX_PEM_BYTES:
        raise KeyImportError(
            f"The file is {len(pem)} bytes; a PEM private key is far smaller (limit {MAX_PEM_BYTES}). "
            f"Give the file that holds only the private key."
        )
    label, block = _private_key_block(pem)
    encrypted = label == "ENCRYPTED PRIVATE KEY" or b"Proc-Type: 4,ENCRYPTED" in block
    if encrypted and passphrase is None:
        raise KeyImportError("The private key is encrypted; give its passphrase with --passphrase-file FILE.")
    if not encrypted and passphrase is not None:
        raise KeyImportError("The private key is not encrypted; drop --passphrase-file.")
    try:
        key = serialization.load_pem_private_key(block, password=passphrase)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        # `from None`: cryptography's messages add nothing an operator can act on.
        if encrypted:
            raise KeyImportError(
                "The passphrase does not decrypt the private key (or its encryption is not supported); "
                "check the file given with --passphrase-file."
            ) from None
        raise KeyImportError(
            f"The private-key block cannot be read: it is corrupt or of an unsupported type. "
            f"Supported: {_SUPPORTED}."
        ) from None
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)):
        raise KeyImportError(f"A {_kind(key)} private key cannot sign here. Supported: {_SUPPORTED}.")
    return key, _algorithm_of(key)


def _private_key_block(pem: bytes) -> tuple[str, bytes]:
    """The one private-key block of `pem` as (label, text); KeyImportError naming what is there instead."""
    blocks = [(match.group(1).decode("ascii"), match.group(0)) for match in _BLOCK.finditer(pem)]
    private = [(label, text) for label, text in blocks if label in _PRIVATE_LABELS]
    if len(private) == 1:
        return private[0]
    if len(private) > 1:
        raise KeyImportError(f"The file holds {len(private)} private keys; put the one to import in a file of its own.")
    labels = {label for label, _ in blocks}
    if labels & _CERTIFICATE_LABELS:
        raise KeyImportError(
            "The file holds a certificate, not a private key; import the private key the certificate was made for."
        )
    if labels & _PUBLIC_LABELS:
        raise KeyImportError("The file holds a public key; importing needs the private key (it signs tokens).")
    if "OPENSSH PRIVATE KEY" in labels:
        raise KeyImportError(
            "The file holds an OpenSSH private key; convert it to PKCS#8 PEM first "
            "(ssh-keygen -p -m PKCS8 -f FILE, on a copy)."
        )
    if labels:
        raise KeyImportError(
            f"The file holds no private key (PEM blocks found: {', '.join(sorted(labels))}). Supported: {_SUPPORTED}."
        )
    raise KeyImportError(
        f"The file is not a PEM private key (no -----BEGIN ... PRIVATE KEY----- block). "
        f"Make one with e.g. `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`. Supported: {_SUPPORTED}."
    )


def _algorithm_of(key: PrivateKey) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < MIN_RSA_KEY_SIZE:
            raise KeyImportError(
                f"The RSA key has {key.key_size} bits, too weak to sign: at least {MIN_RSA_KEY_SIZE} are needed "
                f"(RFC 7518 §3.3). Make a new one with `openssl genrsa 2048`."
            )
        if key.key_size > MAX_RSA_KEY_SIZE:
            raise KeyImportError(
                f"The RSA key has {key.key_size} bits; verifiers accept at most {MAX_RSA_KEY_SIZE}."
            )
        if key.public_key().public_numbers().e != _RSA_PUBLIC_EXPONENT:
            raise KeyImportError(
                f"The RSA key's public exponent is not {_RSA_PUBLIC_EXPONENT}; make a new key "
                f"(openssl uses {_RSA_PUBLIC_EXPONENT} unless told otherwise)."
            )
        algorithm = "RS256"
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise KeyImportError(
                f"The EC key is on curve {key.curve.name}; only P-256 (prime256v1, ES256) is supported."
            )
        algorithm = "ES256"
    else:
        algorithm = "EdDSA"
    if algorithm not in SUPPORTED_ALGORITHMS:  # conf and this module must agree; fail closed if not
        raise KeyImportError(f"{algorithm} is not among the supported algorithms {', '.join(SUPPORTED_ALGORITHMS)}.")
    return algorithm


def _kind(key: object) -> str:
    name = type(key).__name__.replace("PrivateKey", "").lstrip("_")
    return name or "foreign"
