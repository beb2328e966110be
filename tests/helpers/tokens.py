"""Mint keys, JWKs and compact JWS tokens by hand, so tests control every byte.

PyJWT would normalise what we want to break (it adds `typ`, refuses `alg: none`,
sorts nothing); these helpers build the header and payload JSON themselves and
sign with `cryptography`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

__all__ = [
    "AUDIENCE",
    "ISSUER",
    "b64url",
    "default_claims",
    "mint",
    "public_jwk",
    "sign",
]

ISSUER = "https://auth.example.test"
AUDIENCE = "orders"

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed25519.Ed25519PrivateKey


def b64url(data: bytes | str) -> str:
    """Unpadded base64url, as JOSE wants it."""
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _int_b64(value: int, length: int | None = None) -> str:
    length = length or max(1, (value.bit_length() + 7) // 8)
    return b64url(value.to_bytes(length, "big"))


def public_jwk(
    key: PrivateKey, kid: str, alg: str | None = None, use: str | None = "sig", **extra: Any
) -> dict[str, Any]:
    """The public JWK of `key` (its private members never included unless put in `extra`)."""
    public = key.public_key()
    jwk: dict[str, Any]
    if isinstance(public, rsa.RSAPublicKey):
        numbers = public.public_numbers()
        jwk = {"kty": "RSA", "n": _int_b64(numbers.n), "e": _int_b64(numbers.e)}
        alg = alg or "RS256"
    elif isinstance(public, ec.EllipticCurvePublicKey):
        numbers = public.public_numbers()
        jwk = {"kty": "EC", "crv": "P-256", "x": _int_b64(numbers.x, 32), "y": _int_b64(numbers.y, 32)}
        alg = alg or "ES256"
    else:
        raw = public.public_bytes_raw()
        jwk = {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}
        alg = alg or "EdDSA"
    jwk["kid"] = kid
    if alg:
        jwk["alg"] = alg
    if use is not None:
        jwk["use"] = use
    jwk.update(extra)
    return jwk


def sign(alg: str, key: Any, signing_input: bytes) -> bytes:
    """Sign `signing_input` as JWS `alg` would. `key` is bytes for HS*."""
    if alg.startswith("HS"):
        digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
        return hmac.new(key, signing_input, digest).digest()
    hash_alg = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}
    if alg.startswith("RS"):
        return key.sign(signing_input, padding.PKCS1v15(), hash_alg[alg[2:]])
    if alg.startswith("PS"):
        pss = padding.PSS(mgf=padding.MGF1(hash_alg[alg[2:]]), salt_length=int(alg[2:]) // 8)
        return key.sign(signing_input, pss, hash_alg[alg[2:]])
    if alg == "ES256":
        r, s = decode_dss_signature(key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    if alg == "EdDSA":
        return key.sign(signing_input)
    if alg.lower() == "none":
        return b""
    raise ValueError(f"test helper cannot sign {alg}")


def default_claims(now: int | None = None, lifetime: int = 300) -> dict[str, Any]:
    """Claims of a valid access token for ISSUER / AUDIENCE issued at `now`."""
    now = int(time.time()) if now is None else now
    return {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "user-42",
        "client_id": "web",
        "iat": now,
        "exp": now + lifetime,
        "jti": f"jti-{now}-{lifetime}",
        "sid": "session-1",
        "roles": ["reader"],
    }


def mint(
    key: Any,
    *,
    kid: str | None,
    alg: str,
    claims: dict[str, Any] | None = None,
    header: dict[str, Any] | None = None,
    now: int | None = None,
    raw_header: bytes | str | None = None,
    raw_payload: bytes | str | None = None,
    signature: bytes | None = None,
) -> str:
    """A compact JWS.

    `header` entries are merged over `{"alg", "typ": "at+jwt", "kid"}` (a value of
    None removes the member); `claims` over `default_claims(now)` likewise.
    `raw_header` / `raw_payload` replace the JSON entirely (duplicate keys, bombs);
    `signature` replaces the computed one.
    """
    if raw_header is None:
        head: dict[str, Any] = {"alg": alg, "typ": "at+jwt", "kid": kid}
        head.update(header or {})
        head = {k: v for k, v in head.items() if v is not None}
        raw_header = json.dumps(head, separators=(",", ":"))
    if raw_payload is None:
        body = default_claims(now)
        body.update(claims or {})
        body = {k: v for k, v in body.items() if v is not None}
        raw_payload = json.dumps(body, separators=(",", ":"))
    signing_input = f"{b64url(raw_header)}.{b64url(raw_payload)}".encode("ascii")
    if signature is None:
        signature = sign(alg, key, signing_input)
    return f"{signing_input.decode('ascii')}.{b64url(signature)}"
