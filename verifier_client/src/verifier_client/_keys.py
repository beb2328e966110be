"""Turning JWKs into trusted verification keys, and deciding which JWKs to refuse.

Internal to verifier_client; the public names are re-exported by `jwks`.
Every function here treats its input as hostile: a JWK that is unusable or
unsafe is skipped with a loggable reason (`_SkipKey`), a structurally invalid
set raises `RejectedKeySet`, and nothing else escapes.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Union

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from ._jose import b64url_decode

__all__ = [
    "MAX_KID_LENGTH",
    "SUPPORTED_ALGORITHMS",
    "PublicKey",
    "RejectedKeySet",
    "VerificationKey",
    "check_algorithms",
    "merge_key_sets",
    "parse_jwk",
    "parse_key_set",
]

logger = logging.getLogger("verifier_client.jwks")

PublicKey = Union[rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey]

SUPPORTED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "EdDSA"}
)
_MIN_RSA_BITS = 2048
# Verification cost grows with the modulus; a 64k-bit key in a JWKS is a DoS.
_MAX_RSA_BITS = 8192
MAX_KID_LENGTH = 256
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
_P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
_HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
_HASHLIB = {"256": hashlib.sha256, "384": hashlib.sha384, "512": hashlib.sha512}
# DER DigestInfo headers (RFC 8017 §9.2 note 1), followed by the raw digest.
_DIGEST_INFO_PREFIX = {
    "256": bytes.fromhex("3031300d060960864801650304020105000420"),
    "384": bytes.fromhex("3041300d060960864801650304020205000430"),
    "512": bytes.fromhex("3051300d060960864801650304020305000440"),
}


class VerificationKey:
    """One trusted public key: its `kid`, the single `alg` it may verify, and the
    `cryptography` key object. `verify()` never raises; `revoked` turns True when
    the key leaves its set (checked by the verifier's result cache).

    Build one with `VerificationKey.from_jwk(jwk)`; the constructor is internal.
    """

    __slots__ = ("kid", "alg", "public_key", "revoked", "_fingerprint", "_verify")

    def __init__(self, kid: str, alg: str, public_key: PublicKey, fingerprint: tuple[Any, ...]):
        self.kid = kid
        self.alg = alg
        self.public_key = public_key
        self.revoked = False
        self._fingerprint = fingerprint
        self._verify = _make_verifier(alg, public_key)

    @classmethod
    def from_jwk(
        cls, jwk: Mapping[str, Any], *, algorithms: Iterable[str] = SUPPORTED_ALGORITHMS
    ) -> VerificationKey:
        """The key a public JWK describes, held to the rules a fetched JWKS meets.

        For a `KeySet` of your own (keys from a vault, a database, a file). The JWK
        needs a `kid`; without `alg` an RSA key is RS256, EC ES256, OKP EdDSA.
        `algorithms` narrows which algorithms are acceptable (every supported
        one by default; the verifier still applies its own allowlist).

        Raises `ValueError` saying why when the JWK is unusable or unsafe: private
        members, a symmetric key, RSA under 2048 bits, `use` other than `sig`,
        an algorithm outside `algorithms` or not fitting the key, bad encoding.
        """
        try:
            return parse_jwk(jwk, check_algorithms(algorithms))
        except _SkipKey as refused:
            raise ValueError(f"JWK refused: {refused}.") from None

    def verify(self, signing_input: bytes, signature: bytes) -> bool:
        """True when `signature` is valid for `signing_input` under this key and alg."""
        try:
            return self._verify(signing_input, signature)
        except Exception:  # malformed signatures must read as "invalid", never crash
            return False

    def __repr__(self) -> str:
        state = " revoked" if self.revoked else ""
        return f"<VerificationKey kid={self.kid!r} alg={self.alg}{state}>"


def _make_verifier(alg: str, key: PublicKey) -> Callable[[bytes, bytes], bool]:
    """A closure doing exactly `alg` with `key`; objects are built once, here."""
    if alg.startswith("RS"):
        assert isinstance(key, rsa.RSAPublicKey)
        size = (key.key_size + 7) // 8
        prefix = _DIGEST_INFO_PREFIX[alg[2:]]
        digest = _HASHLIB[alg[2:]]
        pkcs1 = padding.PKCS1v15()
        recover = key.recover_data_from_signature

        def verify_rsa_pkcs1(data: bytes, sig: bytes) -> bool:
            # RFC 8017 §8.2.2: undo the RSA operation and type-1 padding, then
            # compare the whole recovered DigestInfo with the one we encode
            # ourselves. Nothing recovered is parsed, so loose ASN.1 parsing
            # (Bleichenbacher 2006, BERserk) cannot apply; it is ~8 % faster than
            # `verify()`, which re-creates its hashing context on every call.
            if len(sig) != size:  # a signature is exactly the modulus length
                return False
            try:
                recovered = recover(sig, pkcs1, None)
            except InvalidSignature:
                return False
            return hmac.compare_digest(recovered, prefix + digest(data).digest())

        return verify_rsa_pkcs1
    if alg.startswith("PS"):
        assert isinstance(key, rsa.RSAPublicKey)
        size = (key.key_size + 7) // 8
        hash_alg = _HASHES[alg[2:]]()
        pss = padding.PSS(mgf=padding.MGF1(hash_alg), salt_length=hash_alg.digest_size)
        rsa_verify = key.verify

        def verify_rsa_pss(data: bytes, sig: bytes) -> bool:
            if len(sig) != size:
                return False
            try:
                rsa_verify(sig, data, pss, hash_alg)
            except InvalidSignature:
                return False
            return True

        return verify_rsa_pss
    if alg == "ES256":
        assert isinstance(key, ec.EllipticCurvePublicKey)
        ecdsa = ec.ECDSA(hashes.SHA256())
        ec_verify = key.verify

        def verify_es256(data: bytes, sig: bytes) -> bool:
            # JWS carries raw r||s (RFC 7518 §3.4), not DER. r and s must lie in
            # [1, n-1]: zero values are the "psychic signature" (CVE-2022-21449).
            if len(sig) != 64:
                return False
            r = int.from_bytes(sig[:32], "big")
            s = int.from_bytes(sig[32:], "big")
            if not (0 < r < _P256_ORDER and 0 < s < _P256_ORDER):
                return False
            try:
                ec_verify(encode_dss_signature(r, s), data, ecdsa)
            except InvalidSignature:
                return False
            return True

        return verify_es256
    if alg == "EdDSA":
        assert isinstance(key, ed25519.Ed25519PublicKey)
        ed_verify = key.verify

        def verify_eddsa(data: bytes, sig: bytes) -> bool:
            if len(sig) != 64:
                return False
            try:
                ed_verify(sig, data)
            except InvalidSignature:
                return False
            return True

        return verify_eddsa
    raise ValueError(f"unsupported algorithm {alg!r}")


class _SkipKey(Exception):
    """A JWK we will not trust; the message is the (loggable) reason."""


def _b64_int(jwk: Mapping[str, Any], name: str) -> int:
    value = jwk.get(name)
    if not isinstance(value, str) or not value:
        raise _SkipKey(f"member {name!r} missing or not a string")
    try:
        return int.from_bytes(b64url_decode(value), "big")
    except ValueError:
        raise _SkipKey(f"member {name!r} is not base64url") from None


def _b64_fixed(jwk: Mapping[str, Any], name: str, length: int) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise _SkipKey(f"member {name!r} missing or not a string")
    try:
        raw = b64url_decode(value)
    except ValueError:
        raise _SkipKey(f"member {name!r} is not base64url") from None
    if len(raw) != length:
        raise _SkipKey(f"member {name!r} has the wrong length")
    return raw


def _default_alg(kty: str) -> str:
    """The algorithm a JWK without `alg` is used for (one per key, never a family)."""
    if kty == "RSA":
        return "RS256"
    if kty == "EC":
        return "ES256"
    return "EdDSA"


def parse_jwk(jwk: Any, algorithms: frozenset[str]) -> VerificationKey:
    """Build a VerificationKey from one JWK, or raise `_SkipKey` with the reason.

    Anything a hostile document can put here ends as `_SkipKey`; no other
    exception escapes.
    """
    if not isinstance(jwk, Mapping):
        raise _SkipKey("entry is not a JSON object")
    kid = jwk.get("kid")
    if not isinstance(kid, str) or not kid or len(kid) > MAX_KID_LENGTH:
        raise _SkipKey("missing, empty, over-long or non-string kid")
    try:
        return _parse_jwk(kid, jwk, algorithms)
    except _SkipKey:
        raise
    except Exception as exc:  # cryptography's ValueError etc.: the key is unusable
        raise _SkipKey(f"unusable key material ({type(exc).__name__})") from None


def _parse_jwk(kid: str, jwk: Mapping[str, Any], algorithms: frozenset[str]) -> VerificationKey:
    present = [m for m in _PRIVATE_MEMBERS if m in jwk]
    if present:
        raise _SkipKey(f"private or symmetric key material published ({', '.join(present)})")
    kty = jwk.get("kty")
    if kty not in ("RSA", "EC", "OKP"):
        raise _SkipKey(f"kty {kty!r} is not an asymmetric signing key type")
    use = jwk.get("use")
    if use is not None and use != "sig":
        raise _SkipKey(f"use {use!r} is not 'sig'")
    key_ops = jwk.get("key_ops")
    if key_ops is not None and (not isinstance(key_ops, list) or "verify" not in key_ops):
        raise _SkipKey("key_ops does not allow 'verify'")
    alg = jwk.get("alg", None)
    if alg is None:
        alg = _default_alg(kty)
    if not isinstance(alg, str) or alg not in algorithms:
        raise _SkipKey(f"alg {alg!r} is not in the allowlist")

    public_key: PublicKey
    if kty == "RSA":
        if not alg.startswith(("RS", "PS")):
            raise _SkipKey(f"alg {alg} does not fit an RSA key")
        n = _b64_int(jwk, "n")
        e = _b64_int(jwk, "e")
        if not _MIN_RSA_BITS <= n.bit_length() <= _MAX_RSA_BITS:
            raise _SkipKey(f"RSA modulus of {n.bit_length()} bits (need {_MIN_RSA_BITS}..{_MAX_RSA_BITS})")
        if e < 3 or e % 2 == 0 or e.bit_length() > 32:
            raise _SkipKey("RSA exponent is not a small odd number")
        public_key = rsa.RSAPublicNumbers(e, n).public_key()
        fingerprint: tuple[Any, ...] = ("RSA", n, e)
    elif kty == "EC":
        if jwk.get("crv") != "P-256" or alg != "ES256":
            raise _SkipKey("only P-256 / ES256 EC keys are supported")
        x = int.from_bytes(_b64_fixed(jwk, "x", 32), "big")
        y = int.from_bytes(_b64_fixed(jwk, "y", 32), "big")
        # public_key() checks that the point is on the curve.
        public_key = ec.EllipticCurvePublicNumbers(x, y, ec.SECP256R1()).public_key()
        fingerprint = ("EC", x, y)
    else:
        if jwk.get("crv") != "Ed25519" or alg != "EdDSA":
            raise _SkipKey("only Ed25519 / EdDSA OKP keys are supported")
        raw = _b64_fixed(jwk, "x", 32)
        public_key = ed25519.Ed25519PublicKey.from_public_bytes(raw)
        fingerprint = ("OKP", raw)
    return VerificationKey(kid, alg, public_key, (alg, *fingerprint))


class RejectedKeySet(Exception):
    """The whole JWKS is refused; the previous set stays."""


def parse_key_set(
    document: Any, algorithms: frozenset[str], max_keys: int, source: str
) -> dict[str, VerificationKey]:
    """Usable keys of a JWK Set by kid. Unusable keys are skipped and logged;
    structural problems raise `RejectedKeySet`."""
    if isinstance(document, Mapping):
        entries = document.get("keys")
        if not isinstance(entries, list):
            raise RejectedKeySet("'keys' is missing or not an array")
    elif isinstance(document, list):
        entries = document
    else:
        raise RejectedKeySet("not a JWK Set")
    if len(entries) > max_keys:
        raise RejectedKeySet(f"{len(entries)} keys (at most {max_keys} accepted)")
    kids = [e.get("kid") for e in entries if isinstance(e, Mapping) and isinstance(e.get("kid"), str)]
    if len(kids) != len(set(kids)):
        # Two keys under one kid: which one verifies is up to whoever wins the
        # race, so neither is trustworthy.
        raise RejectedKeySet("duplicate kid")
    keys: dict[str, VerificationKey] = {}
    for entry in entries:
        try:
            key = parse_jwk(entry, algorithms)
        except _SkipKey as skip:
            kid = entry.get("kid") if isinstance(entry, Mapping) else None
            logger.warning(
                "Skipping JWK kid=%r from %s: %s",
                kid[:64] if isinstance(kid, str) else None,
                source,
                skip,
            )
            continue
        keys[key.kid] = key
    return keys


def check_algorithms(algorithms: Iterable[str]) -> frozenset[str]:
    if isinstance(algorithms, str):
        algorithms = (algorithms,)
    allowed = frozenset(algorithms)
    unsupported = allowed - SUPPORTED_ALGORITHMS
    if unsupported:
        raise ValueError(
            f"unsupported algorithms {sorted(unsupported)}; choose from {sorted(SUPPORTED_ALGORITHMS)}"
        )
    if not allowed:
        raise ValueError("algorithms must not be empty")
    return allowed


def merge_key_sets(old: Mapping[str, VerificationKey], new: dict[str, VerificationKey]) -> dict[str, VerificationKey]:
    """The new set, keeping old key objects whose material is unchanged (so their
    cached verifications stay valid) and revoking every other old key."""
    merged: dict[str, VerificationKey] = {}
    for kid, key in new.items():
        previous = old.get(kid)
        if previous is not None and previous._fingerprint == key._fingerprint:
            merged[kid] = previous
        else:
            merged[kid] = key
    for kid, key in old.items():
        if merged.get(kid) is not key:
            key.revoked = True
    return merged
