"""Where verification keys come from: a cached remote JWKS, or a static set.

Both sources implement the `KeySet` protocol the verifier uses:

    key = key_set.get_key(kid)       # VerificationKey, or UnknownKeyError /
                                     # KeySetUnavailableError
    key.verify(signing_input, sig)   # bool; alg-specific, never raises
    key.revoked                      # True once the key left the set

`JWKSClient` policy, in one place:

* TTL: `Cache-Control: max-age` of the response, clamped to
  [`min_cache_ttl`, `max_cache_ttl`]; `no-cache`/`no-store` count as the
  minimum; no header means `cache_ttl`. Constructor values are used as given.
* Refresh ahead: from 80 % of the TTL on, an access starts one background
  refresh and returns the current keys at once; requests never wait on the
  network except for the very first fetch and an unknown `kid`.
* Unknown `kid`: one blocking refetch, shared by every thread asking at the
  same time (single flight). Every fetch, whatever started it, is at least
  `min_refetch_interval` after the previous attempt, so a burst of random kids
  costs one request per interval.
* Failure (network, status, size, time, content): the previous set stays and is
  served until TTL + `max_stale` after its fetch, then `KeySetUnavailableError`.
  A failed fetch never empties the cache.
* Success: the fetched set replaces the old one. A key that is gone (or whose
  material changed under the same kid) is marked `revoked` at once, which also
  voids the verifier's cached results made with it.
* Transport: HTTPS only (loopback or `allow_insecure_http=True` excepted), no
  redirects, `timeout` for the whole exchange, at most `max_response_bytes`
  read, identity encoding only.
* Content: a JSON object with a `keys` array, at most `max_keys` entries and no
  duplicate `kid`, else the whole document is refused. Individual keys that
  are unusable or unsafe (private members, `kty` oct, RSA under 2048 bits,
  `use` not `sig`, `key_ops` without `verify`, `alg` outside the allowlist,
  unknown curve, bad encoding) are skipped and logged by kid and reason.
* Fork safety: after `os.fork()` (gunicorn `--preload`) the child gets fresh
  locks and no in-flight refresh; the keys it inherited stay valid.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol, Union
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from ._jose import b64url_decode, loads_object
from .exceptions import KeySetUnavailableError, UnknownKeyError

__all__ = [
    "SUPPORTED_ALGORITHMS",
    "FetchResponse",
    "JWKSClient",
    "KeySet",
    "StaticKeySet",
    "VerificationKey",
]

logger = logging.getLogger("verifier_client.jwks")

PublicKey = Union[rsa.RSAPublicKey, ec.EllipticCurvePublicKey, ed25519.Ed25519PublicKey]

SUPPORTED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "EdDSA"}
)
_MIN_RSA_BITS = 2048
# Verification cost grows with the modulus; a 64k-bit key in a JWKS is a DoS.
_MAX_RSA_BITS = 8192
_MAX_KID_LENGTH = 256
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
_REFRESH_AHEAD_FRACTION = 0.8


# --------------------------------------------------------------------------- keys
class VerificationKey:
    """One trusted public key: its `kid`, the single `alg` it may verify, and the
    `cryptography` key object. `verify()` never raises; `revoked` turns True when
    the key leaves its set (checked by the verifier's result cache)."""

    __slots__ = ("kid", "alg", "public_key", "revoked", "_fingerprint", "_verify")

    def __init__(self, kid: str, alg: str, public_key: PublicKey, fingerprint: tuple[Any, ...]):
        self.kid = kid
        self.alg = alg
        self.public_key = public_key
        self.revoked = False
        self._fingerprint = fingerprint
        self._verify = _make_verifier(alg, public_key)

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


def _default_alg(kty: str, jwk: Mapping[str, Any]) -> str:
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
    if not isinstance(kid, str) or not kid or len(kid) > _MAX_KID_LENGTH:
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
        alg = _default_alg(kty, jwk)
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


class _RejectedDocument(Exception):
    """The whole JWKS is refused; the previous set stays."""


def _parse_key_set(
    document: Any, algorithms: frozenset[str], max_keys: int, source: str
) -> dict[str, VerificationKey]:
    """Usable keys of a JWK Set by kid. Unusable keys are skipped and logged;
    structural problems raise `_RejectedDocument`."""
    if isinstance(document, Mapping):
        entries = document.get("keys")
        if not isinstance(entries, list):
            raise _RejectedDocument("'keys' is missing or not an array")
    elif isinstance(document, list):
        entries = document
    else:
        raise _RejectedDocument("not a JWK Set")
    if len(entries) > max_keys:
        raise _RejectedDocument(f"{len(entries)} keys (at most {max_keys} accepted)")
    kids = [e.get("kid") for e in entries if isinstance(e, Mapping) and isinstance(e.get("kid"), str)]
    if len(kids) != len(set(kids)):
        # Two keys under one kid: which one verifies is up to whoever wins the
        # race, so neither is trustworthy.
        raise _RejectedDocument("duplicate kid")
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


def _check_algorithms(algorithms: Iterable[str]) -> frozenset[str]:
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


# ------------------------------------------------------------------- protocol
class KeySet(Protocol):
    """What the verifier needs from a key source."""

    def get_key(self, kid: str) -> VerificationKey:
        """The trusted key named `kid`; `UnknownKeyError` if there is none,
        `KeySetUnavailableError` if the source cannot say."""
        ...


# ----------------------------------------------------------------- static set
class StaticKeySet:
    """Keys given in code or configuration: a JWKS dict (`{"keys": [...]}`) or a
    list of JWK dicts. No network. `update()` swaps in a new set, revoking keys
    that are no longer in it (for a server that rotates its own keys)."""

    def __init__(self, jwks_or_keys: Mapping[str, Any] | list[Mapping[str, Any]], *,
                 algorithms: Iterable[str] = ("RS256",)) -> None:
        self._algorithms = _check_algorithms(algorithms)
        self._keys: dict[str, VerificationKey] = {}
        self.update(jwks_or_keys)

    def update(self, jwks_or_keys: Mapping[str, Any] | list[Mapping[str, Any]]) -> None:
        """Replace the keys. `ValueError` for a structurally invalid set
        (nothing changes then); unusable keys are skipped and logged."""
        try:
            new = _parse_key_set(jwks_or_keys, self._algorithms, max_keys=1000, source="static keys")
        except _RejectedDocument as exc:
            raise ValueError(f"invalid key set: {exc}") from None
        self._keys = _merge(self._keys, new)

    def get_key(self, kid: str) -> VerificationKey:
        key = self._keys.get(kid)
        if key is None:
            raise UnknownKeyError()
        return key

    @property
    def kids(self) -> frozenset[str]:
        """The kids currently trusted."""
        return frozenset(self._keys)


def _merge(old: Mapping[str, VerificationKey], new: dict[str, VerificationKey]) -> dict[str, VerificationKey]:
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


# ----------------------------------------------------------------- remote set
class FetchResponse(NamedTuple):
    """What a `fetch` callable returns. Header names are matched case-insensitively."""

    status: int
    headers: Mapping[str, str]
    body: bytes


Fetch = Callable[[str], "FetchResponse | tuple[int, Mapping[str, str], bytes]"]


class _FetchFailed(Exception):
    """A fetch that produced no usable document; the message is the reason."""


@dataclass(frozen=True)
class _Snapshot:
    """One successful fetch. Replaced whole, so readers need no lock."""

    keys: dict[str, VerificationKey]
    refresh_at: float  # from here on, accesses start a background refresh
    unusable_at: float  # TTL + max_stale over: fail closed


# Static hosting often labels a JWKS file like this; an HTML error page is refused.
_TOLERATED_CONTENT_TYPES = frozenset({"text/plain", "application/octet-stream"})
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})


def _is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _parse_max_age(cache_control: str | None) -> int | None:
    """Seconds from `Cache-Control`; 0 for no-cache/no-store; None if absent."""
    if not cache_control:
        return None
    max_age = None
    for directive in cache_control.split(","):
        name, _, value = directive.strip().partition("=")
        name = name.strip().lower()
        if name in ("no-cache", "no-store"):
            return 0
        if name == "max-age":
            value = value.strip().strip('"')
            if value.isdigit() and len(value) <= 10:
                max_age = int(value)
    return max_age


def _requests_fetch(timeout: float, max_bytes: int) -> Callable[[str], FetchResponse]:
    """The default transport: requests, streamed, capped, no redirects."""
    import requests

    def fetch(url: str) -> FetchResponse:
        deadline = time.monotonic() + timeout
        try:
            with requests.get(
                url,
                stream=True,
                allow_redirects=False,
                timeout=timeout,
                headers={
                    "Accept": "application/jwk-set+json, application/json",
                    # A compressed body could expand past the cap before we count it.
                    "Accept-Encoding": "identity",
                },
            ) as response:
                if response.status_code != 200:
                    return FetchResponse(response.status_code, response.headers, b"")
                encoding = response.headers.get("Content-Encoding", "identity").lower()
                if encoding not in ("identity", ""):
                    raise _FetchFailed(f"refused Content-Encoding {encoding!r}")
                length = response.headers.get("Content-Length", "")
                if length.isdigit() and int(length) > max_bytes:
                    raise _FetchFailed(f"response of {length} bytes exceeds the {max_bytes}-byte cap")
                chunks: list[bytes] = []
                received = 0
                while True:
                    # read1 returns what one recv gives, so a trickling server
                    # cannot hold us past the deadline one byte at a time.
                    chunk = response.raw.read1(65536)
                    if not chunk:
                        break
                    received += len(chunk)
                    if received > max_bytes:
                        raise _FetchFailed(f"response exceeds the {max_bytes}-byte cap")
                    if time.monotonic() > deadline:
                        raise _FetchFailed(f"response not complete within {timeout} s")
                    chunks.append(chunk)
                return FetchResponse(response.status_code, response.headers, b"".join(chunks))
        except requests.Timeout:
            raise _FetchFailed(f"timed out after {timeout} s") from None
        except requests.RequestException as exc:
            raise _FetchFailed(f"request failed ({type(exc).__name__})") from None

    return fetch


_live_clients: "weakref.WeakSet[JWKSClient]" = weakref.WeakSet()


def _reset_after_fork() -> None:
    for client in list(_live_clients):
        client._reset_after_fork()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


class JWKSClient:
    """Keys from a JWKS URL, cached and refreshed as the module docstring says.

    `clock` is monotonic seconds (tests pass a fake one). `fetch(url)` returns a
    `FetchResponse` (or a `(status, headers, body)` tuple) and may raise; when
    omitted, `requests` is used with the timeout and size cap. A custom fetch's
    body is still held to `max_response_bytes`.
    """

    def __init__(
        self,
        url: str,
        *,
        cache_ttl: float = 300,
        min_cache_ttl: float = 60,
        max_cache_ttl: float = 3600,
        max_stale: float = 3600,
        min_refetch_interval: float = 5,
        timeout: float = 5,
        max_response_bytes: int = 256 * 1024,
        max_keys: int = 64,
        allow_insecure_http: bool = False,
        algorithms: Iterable[str] = ("RS256",),
        clock: Callable[[], float] = time.monotonic,
        fetch: Fetch | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("jwks_url must be an absolute https:// URL")
        if parts.scheme == "http" and not (allow_insecure_http or _is_loopback(parts.hostname)):
            raise ValueError(
                "jwks_url must use https (plain http is allowed only for loopback hosts "
                "or with allow_insecure_http=True)"
            )
        for name, value in (("cache_ttl", cache_ttl), ("timeout", timeout)):
            if value <= 0:
                raise ValueError(f"{name} must be positive")
        for name, value in (("max_stale", max_stale), ("min_refetch_interval", min_refetch_interval),
                            ("min_cache_ttl", min_cache_ttl)):
            if value < 0:
                raise ValueError(f"{name} must not be negative")
        if max_cache_ttl < min_cache_ttl:
            raise ValueError("max_cache_ttl must not be below min_cache_ttl")
        self.url = url
        self.cache_ttl = cache_ttl
        self.min_cache_ttl = min_cache_ttl
        self.max_cache_ttl = max_cache_ttl
        self.max_stale = max_stale
        self.min_refetch_interval = min_refetch_interval
        self.timeout = timeout
        self.max_response_bytes = max_response_bytes
        self.max_keys = max_keys
        self.algorithms = _check_algorithms(algorithms)
        self._clock = clock
        self._fetch = fetch or _requests_fetch(timeout, max_response_bytes)
        self._snapshot: _Snapshot | None = None
        self._last_attempt: float | None = None
        self._last_error = "the key set has not been fetched yet"
        self._new_locks()
        _live_clients.add(self)

    # -- public ----------------------------------------------------------------
    def get_key(self, kid: str) -> VerificationKey:
        """The trusted key `kid`.

        Raises `UnknownKeyError` when no current key has this kid (after at most
        one rate-limited refetch), `KeySetUnavailableError` when there is no set
        young enough to trust.
        """
        snapshot = self._snapshot
        now = self._clock()
        if snapshot is None or now >= snapshot.unusable_at:
            self._fetch_once(wait=True)
            snapshot = self._snapshot
            if snapshot is None or self._clock() >= snapshot.unusable_at:
                raise KeySetUnavailableError(
                    f"The signing keys could not be fetched ({self._last_error}); "
                    "tokens cannot be verified now."
                )
        elif now >= snapshot.refresh_at:
            self._start_background_refresh()
        key = snapshot.keys.get(kid)
        if key is None:
            self._fetch_once(wait=True)
            current = self._snapshot
            key = current.keys.get(kid) if current is not None else None
            if key is None:
                raise UnknownKeyError()
        return key

    def refresh(self) -> bool:
        """Fetch now, in this thread, unless a fetch ran within
        `min_refetch_interval` (then wait for it if it is still running).
        True when the set was replaced by this call. Useful to warm up at start."""
        return self._fetch_once(wait=True)

    def wait_for_refresh(self, timeout: float | None = None) -> None:
        """Block until no fetch is in flight (tests, orderly shutdown)."""
        with self._cond:
            self._cond.wait_for(lambda: not self._in_flight, timeout=timeout)

    @property
    def kids(self) -> frozenset[str]:
        """Kids of the current set (empty before the first fetch)."""
        snapshot = self._snapshot
        return frozenset(snapshot.keys) if snapshot else frozenset()

    # -- fetching ------------------------------------------------------------
    def _new_locks(self) -> None:
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._in_flight = False

    def _reset_after_fork(self) -> None:
        # The parent's refresh thread does not exist here, and its lock may have
        # been held at fork time; start clean (the keys themselves are fine).
        self._new_locks()

    def _claim_fetch(self) -> bool:
        """Under the lock: may a fetch start now? Marks it in flight if so."""
        if self._in_flight:
            return False
        now = self._clock()
        if self._last_attempt is not None and now - self._last_attempt < self.min_refetch_interval:
            return False
        self._in_flight = True
        self._last_attempt = now
        return True

    def _fetch_once(self, *, wait: bool) -> bool:
        with self._cond:
            if not self._claim_fetch():
                if wait and self._in_flight:
                    # Single flight: ride on the fetch already running.
                    self._cond.wait_for(lambda: not self._in_flight, timeout=self.timeout + 1)
                return False
        return self._run_claimed_fetch()

    def _start_background_refresh(self) -> None:
        with self._cond:
            if not self._claim_fetch():
                return
        try:
            thread = threading.Thread(
                target=self._run_claimed_fetch, name="verifier-client-jwks-refresh", daemon=True
            )
            thread.start()
        except Exception:  # cannot start a thread (interpreter shutdown): refresh inline later
            self._release_fetch()

    def _release_fetch(self) -> None:
        with self._cond:
            self._in_flight = False
            self._cond.notify_all()

    def _run_claimed_fetch(self) -> bool:
        try:
            return self._fetch_and_install()
        except Exception as exc:  # a bug here must not kill the caller or the thread
            self._last_error = f"unexpected {type(exc).__name__}"
            logger.exception("JWKS refresh from %s failed unexpectedly", self.url)
            return False
        finally:
            self._release_fetch()

    def _fetch_and_install(self) -> bool:
        try:
            keys, ttl = self._fetch_document()
        except (_FetchFailed, _RejectedDocument) as exc:
            self._last_error = str(exc)
            logger.warning("JWKS fetch from %s failed, keeping the previous keys: %s", self.url, exc)
            return False
        now = self._clock()
        previous = self._snapshot.keys if self._snapshot else {}
        merged = _merge(previous, keys)
        self._snapshot = _Snapshot(
            keys=merged,
            refresh_at=now + ttl * _REFRESH_AHEAD_FRACTION,
            unusable_at=now + ttl + self.max_stale,
        )
        gone = sorted(set(previous) - set(merged))
        if gone:
            logger.info("JWKS from %s no longer has kids %s; distrusted", self.url, gone)
        return True

    def _fetch_document(self) -> tuple[dict[str, VerificationKey], float]:
        try:
            result = self._fetch(self.url)
            status, headers, body = result
        except _FetchFailed:
            raise
        except Exception as exc:
            raise _FetchFailed(f"request failed ({type(exc).__name__})") from None
        if not isinstance(status, int) or not 200 <= status < 300:
            if isinstance(status, int) and 300 <= status < 400:
                raise _FetchFailed(f"HTTP {status}: redirects are not followed")
            raise _FetchFailed(f"HTTP {status}")
        if not isinstance(body, (bytes, bytearray)):
            raise _FetchFailed("response body is not bytes")
        if len(body) > self.max_response_bytes:
            raise _FetchFailed(f"response exceeds the {self.max_response_bytes}-byte cap")
        lowered = {str(k).lower(): str(v) for k, v in dict(headers or {}).items()}
        content_type = lowered.get("content-type", "").split(";")[0].strip().lower()
        if content_type and not (
            content_type.endswith(("/json", "+json")) or content_type in _TOLERATED_CONTENT_TYPES
        ):
            raise _FetchFailed(f"Content-Type {content_type!r} is not JSON")
        try:
            document = loads_object(bytes(body))
        except ValueError as exc:
            raise _FetchFailed(f"body is not a JSON object ({exc})") from None
        keys = _parse_key_set(document, self.algorithms, self.max_keys, self.url)
        return keys, self._ttl_from(lowered.get("cache-control"))

    def _ttl_from(self, cache_control: str | None) -> float:
        max_age = _parse_max_age(cache_control)
        if max_age is None:
            return self.cache_ttl
        return min(max(max_age, self.min_cache_ttl), self.max_cache_ttl)
