"""Signing-key cryptography, with no database: generate, describe as JWK, serialise.

- `generate_private_key("RS256" | "ES256" | "EdDSA")`: RSA (>= 2048 bits), P-256, Ed25519.
- `public_jwk(key, algorithm)`: the public JWK (RFC 7517/7518/8037) with `kid`, `use`, `alg`;
  never a private member.
- `jwk_thumbprint(jwk)`: the RFC 7638 SHA-256 thumbprint, which is our `kid`.
- `serialize_private_key` / `load_private_key`: unencrypted PKCS#8 PEM. Encryption at rest
  is a separate layer (`key_encryption`), so this module never sees a key-encryption key.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from typing import Any, Union

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from authfort_django.conf import SUPPORTED_ALGORITHMS

__all__ = [
    "MIN_RSA_KEY_SIZE",
    "SUPPORTED_ALGORITHMS",
    "PrivateKey",
    "PublicKey",
    "UnsupportedAlgorithm",
    "generate_private_key",
    "jwk_thumbprint",
    "load_private_key",
    "public_jwk",
    "serialize_private_key",
]

MIN_RSA_KEY_SIZE = 2048
# Every RSA key we make uses F4; anything else is a sign of a foreign key.
_RSA_PUBLIC_EXPONENT = 65537
# P-256 coordinates are always 32 bytes in a JWK (RFC 7518 §6.2.1.2), leading zeros kept.
_P256_COORDINATE_BYTES = 32

PrivateKey = Union[rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey]
PublicKey = Union[rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey]

# Members that define each key type's thumbprint (RFC 7638 §3.2, RFC 8037 §2).
_THUMBPRINT_MEMBERS: dict[str, tuple[str, ...]] = {
    "RSA": ("e", "kty", "n"),
    "EC": ("crv", "kty", "x", "y"),
    "OKP": ("crv", "kty", "x"),
    "oct": ("k", "kty"),
}


class UnsupportedAlgorithm(ValueError):
    """The algorithm is not one of SUPPORTED_ALGORITHMS, or does not match the key."""


def generate_private_key(algorithm: str, rsa_key_size: int = MIN_RSA_KEY_SIZE) -> PrivateKey:
    """A fresh private key for `algorithm`; RSA keys shorter than 2048 bits are refused."""
    if algorithm == "RS256":
        if rsa_key_size < MIN_RSA_KEY_SIZE:
            raise ValueError(
                f"RSA keys must have at least {MIN_RSA_KEY_SIZE} bits (RFC 7518 §3.3); "
                f"got {rsa_key_size}."
            )
        return rsa.generate_private_key(public_exponent=_RSA_PUBLIC_EXPONENT, key_size=rsa_key_size)
    if algorithm == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "EdDSA":
        return ed25519.Ed25519PrivateKey.generate()
    raise UnsupportedAlgorithm(
        f"Unsupported signing algorithm {algorithm!r}; use one of {', '.join(SUPPORTED_ALGORITHMS)}."
    )


def public_jwk(key: PrivateKey | PublicKey, algorithm: str) -> dict[str, Any]:
    """The public JWK of `key` with `kid` (its RFC 7638 thumbprint), `use: "sig"` and `alg`.

    Built member by member from the public numbers, so a private member (`d`, `p`, ...)
    cannot slip in. Raises UnsupportedAlgorithm when `key` cannot be used with `algorithm`.
    """
    public = key.public_key() if hasattr(key, "private_bytes") else key
    members: dict[str, Any]
    if isinstance(public, rsa.RSAPublicKey) and algorithm == "RS256":
        numbers = public.public_numbers()
        members = {"kty": "RSA", "n": _b64_uint(numbers.n), "e": _b64_uint(numbers.e)}
    elif (
        isinstance(public, ec.EllipticCurvePublicKey)
        and isinstance(public.curve, ec.SECP256R1)
        and algorithm == "ES256"
    ):
        numbers = public.public_numbers()
        members = {
            "kty": "EC",
            "crv": "P-256",
            "x": _b64_uint(numbers.x, _P256_COORDINATE_BYTES),
            "y": _b64_uint(numbers.y, _P256_COORDINATE_BYTES),
        }
    elif isinstance(public, ed25519.Ed25519PublicKey) and algorithm == "EdDSA":
        raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        members = {"kty": "OKP", "crv": "Ed25519", "x": _b64url(raw)}
    else:
        raise UnsupportedAlgorithm(
            f"A {type(public).__name__} cannot sign with {algorithm!r}; "
            f"supported: {', '.join(SUPPORTED_ALGORITHMS)}."
        )
    return {**members, "kid": jwk_thumbprint(members), "use": "sig", "alg": algorithm}


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """The RFC 7638 SHA-256 thumbprint of `jwk`, base64url without padding.

    Only the required members of the key type count, serialised as JSON with sorted
    keys and no whitespace, so `kid`, `use`, `alg` and member order do not change it.
    """
    kty = jwk.get("kty")
    required = _THUMBPRINT_MEMBERS.get(kty) if isinstance(kty, str) else None
    if required is None:
        raise ValueError(f"Cannot compute a thumbprint for key type {kty!r}.")
    missing = [name for name in required if not isinstance(jwk.get(name), str)]
    if missing:
        raise ValueError(f"The {kty} JWK lacks the member(s) {', '.join(missing)}.")
    canonical = json.dumps(
        {name: jwk[name] for name in required},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return _b64url(hashlib.sha256(canonical.encode("utf-8")).digest())


def serialize_private_key(key: PrivateKey) -> bytes:
    """`key` as unencrypted PKCS#8 PEM. Encrypt it (key_encryption) before storing it."""
    return key.private_bytes(
        encoding=serialization.Encoding.PEM,
        format=serialization.PrivateFormat.PKCS8,
        encryption_algorithm=serialization.NoEncryption(),
    )


def load_private_key(pem: bytes, *, checked_before: bool = False) -> PrivateKey:
    """The private key in unencrypted PKCS#8 PEM `pem`; ValueError if it is not a supported one.

    `checked_before=True` skips OpenSSL's RSA consistency check, which tests both primes and
    costs about 40 ms a key. Only for a key that was checked when it entered the store
    (generated here, or read by keys/importing.py) and came back from AES-GCM bound to its
    kid, so nobody could have changed it since. Never for a key from outside.
    """
    key = serialization.load_pem_private_key(pem, password=None, unsafe_skip_rsa_key_validation=checked_before)
    if not isinstance(key, (rsa.RSAPrivateKey, ec.EllipticCurvePrivateKey, ed25519.Ed25519PrivateKey)):
        raise ValueError(f"Unsupported private key type {type(key).__name__}.")
    return key


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64_uint(value: int, length: int | None = None) -> str:
    """Big-endian base64url of a non-negative integer (RFC 7518 §2 "Base64urlUInt")."""
    size = length or max(1, (value.bit_length() + 7) // 8)
    return _b64url(value.to_bytes(size, "big"))
