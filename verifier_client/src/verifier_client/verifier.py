"""`TokenVerifier`: compact JWS access tokens (RFC 9068) checked against a key set.

The order of checks, each failure a specific `VerificationError` subclass:

1. size (before any decoding) and shape: exactly three segments of strict,
   canonical, unpadded base64url;
2. header: a flat JSON object without duplicate members; no `jku jwk x5u x5c
   crit b64 zip enc` (they would let the token choose its own key, or change how
   it is read); `alg` in the allowlist (never "none"); `typ` an accepted type;
   `kid` a short printable string;
3. key: looked up by kid (never fetched from anything the token names); the
   token's `alg` must be the key's own algorithm;
4. signature, with `cryptography`;
5. claims: integer `exp`/`iat`/`nbf` (bool is not an integer), required claims
   present, time checks with the capped leeway, exact `iss`, `aud` naming us.

The hot path is written by hand rather than through PyJWT: parsed headers are
cached by their segment, key objects are built once per key, and a bounded LRU
remembers verified tokens until their `exp` (dropped as soon as the key that
verified them leaves the set).
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

from ._jose import b64url_decode, loads_object
from .claims import Claims
from .exceptions import (
    ExpiredTokenError,
    ForbiddenHeaderError,
    ImmatureTokenError,
    InvalidAudienceError,
    InvalidClaimsError,
    InvalidIssuerError,
    InvalidSignatureError,
    InvalidTypeError,
    MalformedTokenError,
    MissingClaimError,
    UnknownKeyError,
    UnsupportedAlgorithmError,
    VerificationError,
)
from ._keys import MAX_KID_LENGTH, check_algorithms
from .events import VERIFICATION_FAILED, EventHook, emit
from .jwks import Fetch, JWKSClient, KeySet, StaticKeySet, VerificationKey

__all__ = ["MAX_LEEWAY", "TokenVerifier"]

logger = logging.getLogger("verifier_client.verifier")

MAX_LEEWAY = 60
_HEADER_CACHE_SIZE = 256
# Header members that make the token pick its own key or change how its bytes
# are read (RFC 8725 §3.10, RFC 7797, RFC 7516). We implement none of them, and a
# `crit` we do not understand must be rejected (RFC 7515 §4.1.11).
_FORBIDDEN_HEADERS = frozenset({"jku", "jwk", "x5u", "x5c", "crit", "b64", "zip", "enc"})


class _Missing:
    def __repr__(self) -> str:
        return "<required>"


_REQUIRED: Any = _Missing()


class _Header(NamedTuple):
    alg: str
    kid: str


class _Verified(NamedTuple):
    claims: Claims
    valid_until: float  # exp + leeway
    key: VerificationKey  # the key that verified it; its kid is the token's


def _normalise_type(value: str) -> str:
    # RFC 9068 §4 / RFC 7515 §4.1.9: media types compare case-insensitively and
    # "application/" may be omitted.
    value = value.lower()
    return value[len("application/"):] if value.startswith("application/") else value


class TokenVerifier:
    """Verifies access tokens from one issuer for one audience.

    Exactly one key source:

    * `keys=` a `KeySet`: a `JWKSClient` (a cached remote JWKS, configured on
      the client), a `StaticKeySet`, or any object with `get_key(kid)` (see
      `verifier_client.jwks`);
    * `keys=` a JWKS dict or a list of JWKs: static keys (a `StaticKeySet` is built);
    * `jwks_url` (first positional argument): a convenience that builds the
      `JWKSClient` from `cache_ttl`, `max_stale`, `min_refetch_interval`,
      `timeout`, `fetch` and `allow_insecure_http`, and hands it `on_event`
      and an injected `clock`. Those options apply to `jwks_url` only; with
      `keys=` they are refused rather than silently ignored.

    `audience` is required; `audience=None` explicitly skips the `aud` check
    (logged as a warning). `leeway` is capped at 60 s. `clock` gives wall-clock
    seconds for `exp`/`nbf`/`iat`.

    `on_event` (a callable taking an `events.Event`) hears every rejected token
    (`verification_failed`, reason = the error's `code`) and, for `jwks_url`, the
    key cache's fetches, failures and stale-key use: see `verifier_client.events`.
    """

    def __init__(
        self,
        jwks_url: str | None = None,
        *,
        issuer: str,
        audience: str | Sequence[str] | None = _REQUIRED,
        keys: KeySet | Mapping[str, Any] | list[Mapping[str, Any]] | None = None,
        algorithms: Iterable[str] = ("RS256",),
        accepted_types: Iterable[str | None] = ("at+jwt",),
        leeway: int = 0,
        required_claims: Iterable[str] = ("exp", "iat", "sub", "iss"),
        verified_cache_size: int = 4096,
        max_token_bytes: int = 8192,
        clock: Callable[[], float] = time.time,
        on_event: EventHook | None = None,
        cache_ttl: float | None = None,
        max_stale: float | None = None,
        min_refetch_interval: float | None = None,
        timeout: float | None = None,
        fetch: Fetch | None = None,
        allow_insecure_http: bool | None = None,
        key_set: KeySet | None = None,
    ) -> None:
        if audience is _REQUIRED:
            raise TypeError(
                "TokenVerifier() needs audience=...: the identifier this service expects "
                "in 'aud' (pass audience=None to skip the check, which is logged)"
            )
        if key_set is not None:
            warnings.warn(
                "TokenVerifier(key_set=...) is deprecated and will be removed in authfort-verifier 0.4: "
                "pass the same object as keys=...",
                DeprecationWarning,
                stacklevel=2,
            )
            if keys is not None:
                raise ValueError("give keys= only (key_set= is its deprecated name)")
            keys = key_set
        if not isinstance(issuer, str) or not issuer:
            raise ValueError("issuer must be a non-empty string")
        if isinstance(leeway, bool) or not isinstance(leeway, (int, float)) or not 0 <= leeway <= MAX_LEEWAY:
            raise ValueError(f"leeway must be between 0 and {MAX_LEEWAY} seconds, got {leeway!r}")
        if (jwks_url is None) == (keys is None):
            raise ValueError(
                "give exactly one key source: jwks_url, or keys= (a JWKSClient or other KeySet, or a static JWKS)"
            )
        jwks_options = {
            name: value
            for name, value in (
                ("cache_ttl", cache_ttl),
                ("max_stale", max_stale),
                ("min_refetch_interval", min_refetch_interval),
                ("timeout", timeout),
                ("fetch", fetch),
                ("allow_insecure_http", allow_insecure_http),
            )
            if value is not None
        }
        if keys is not None and jwks_options:
            raise TypeError(
                f"{', '.join(sorted(jwks_options))} configure the JWKSClient that jwks_url= builds; "
                "with keys=, pass them to your JWKSClient(...) instead"
            )
        if on_event is not None and not callable(on_event):
            raise TypeError("on_event must be a callable taking one verifier_client.Event")
        if verified_cache_size < 0 or max_token_bytes <= 0:
            raise ValueError("verified_cache_size and max_token_bytes must be positive")

        self.issuer = issuer
        if audience is None:
            self.audiences: frozenset[str] | None = None
            logger.warning(
                "TokenVerifier for issuer %s does not check 'aud' (audience=None): tokens "
                "issued for any service are accepted",
                issuer,
            )
        else:
            auds = (audience,) if isinstance(audience, str) else tuple(audience)
            if not auds or not all(isinstance(a, str) and a for a in auds):
                raise ValueError("audience must be a non-empty string or strings")
            self.audiences = frozenset(auds)
        self.algorithms = check_algorithms(algorithms)
        types = (accepted_types,) if isinstance(accepted_types, str) else tuple(accepted_types)
        if not types:
            raise ValueError("accepted_types must not be empty")
        if not all(t is None or isinstance(t, str) for t in types):
            raise TypeError("accepted_types holds media type strings (and None to accept a token without typ)")
        # None accepts a token whose header has no `typ`: OpenID Connect lets ID tokens
        # omit it (OIDC Core §2). Access tokens always carry one (RFC 9068 §2.1).
        self.accepted_types = frozenset(t if t is None else _normalise_type(t) for t in types)
        self.leeway = leeway
        self.required_claims = tuple(required_claims)
        self.max_token_bytes = max_token_bytes
        self.verified_cache_size = verified_cache_size
        self._clock = clock
        self.on_event = on_event

        self.key_set: KeySet
        if jwks_url is not None:
            self.key_set = JWKSClient(
                jwks_url,
                algorithms=self.algorithms,
                # An injected clock moves the key cache too, so a test moves one clock.
                clock=time.monotonic if clock is time.time else clock,
                on_event=on_event,
                **jwks_options,
            )
        elif isinstance(keys, KeySet):
            self.key_set = keys
        elif isinstance(keys, (Mapping, list)):
            self.key_set = StaticKeySet(keys, algorithms=self.algorithms)
        else:
            raise TypeError(
                "keys must be a KeySet (JWKSClient, StaticKeySet or any object with get_key(kid)), "
                f"a JWKS dict or a list of JWKs, not {type(keys).__name__}"
            )

        self._headers: dict[str, _Header] = {}
        self._verified: dict[str, _Verified] = {}

    # -- public ------------------------------------------------------------
    def prefetch_keys(self) -> bool:
        """Fetch the signing keys now (at start-up, say) rather than on the first request;
        True if a JWKS fetch replaced the set. A no-op for static keys. A failure is
        logged and retried on first use: it never raises."""
        refresh = getattr(self.key_set, "refresh", None)
        return bool(refresh()) if callable(refresh) else False

    def verify(self, token: str) -> Claims:
        """The token's claims, or a `VerificationError` subclass naming the cause.

        Never raises any other exception type, whatever the input.
        """
        try:
            return self._verify(token)
        except VerificationError as exc:
            self._report_failure(exc.code)
            raise
        except Exception as exc:  # a bug or a hostile input we did not foresee
            logger.warning("Token rejected by an unexpected %s", type(exc).__name__)
            self._report_failure(VerificationError.code)
            raise VerificationError() from None

    def _report_failure(self, code: str) -> None:
        # DEBUG: a service under a flood of junk tokens must not flood its logs;
        # count them with on_event instead. The token itself is never logged.
        logger.debug("Token rejected: %s", code)
        emit(self.on_event, VERIFICATION_FAILED, reason=code)

    # -- pipeline ------------------------------------------------------------
    def _verify(self, token: str) -> Claims:
        if type(token) is not str:
            raise MalformedTokenError("The access token must be a string.")
        if len(token) > self.max_token_bytes:
            raise MalformedTokenError("The access token is too large.")
        now = self._clock()

        hit = self._verified.get(token)
        if hit is not None:
            claims = self._reuse(token, hit, now)
            if claims is not None:
                return claims

        segments = token.split(".", 3)
        if len(segments) != 3:
            raise MalformedTokenError("The access token must have exactly three segments.")
        header_segment, payload_segment, signature_segment = segments
        header = self._headers.get(header_segment)
        if header is None:
            header = self._parse_header(header_segment)

        key = self.key_set.get_key(header.kid)
        if key.alg != header.alg:
            raise UnsupportedAlgorithmError("The token's algorithm is not the one of its key.")
        if not signature_segment:
            raise InvalidSignatureError("The access token has no signature.")
        try:
            signature = b64url_decode(signature_segment)
            payload_bytes = b64url_decode(payload_segment)
        except ValueError:
            raise MalformedTokenError("The access token is not valid base64url.") from None
        signing_input = token[: len(header_segment) + 1 + len(payload_segment)].encode("ascii")
        if not key.verify(signing_input, signature):
            raise InvalidSignatureError()

        try:
            payload = loads_object(payload_bytes)
        except ValueError:
            raise MalformedTokenError("The token payload is not a JSON object.") from None
        valid_until = self._check_claims(payload, now)
        claims = Claims(MappingProxyType(payload), kid=header.kid)
        if valid_until is not None and self.verified_cache_size:
            self._remember(token, _Verified(claims, valid_until, key))
        return claims

    def _reuse(self, token: str, hit: _Verified, now: float) -> Claims | None:
        """The cached claims if the entry is still good, else None (entry dropped)."""
        if now < hit.valid_until and not hit.key.revoked:
            try:
                current = self.key_set.get_key(hit.key.kid)
            except UnknownKeyError:
                current = None
            if current is hit.key:
                # Re-insert to mark it recently used (dicts keep insertion order).
                # Not atomic across threads, and need not be: a lost update only
                # changes which entry is evicted first.
                cache = self._verified
                cache[token] = cache.pop(token, hit)
                return hit.claims
        self._verified.pop(token, None)
        return None

    def _remember(self, token: str, entry: _Verified) -> None:
        cache = self._verified
        cache[token] = entry
        while len(cache) > self.verified_cache_size:
            try:
                del cache[next(iter(cache))]  # least recently used first
            except (KeyError, RuntimeError, StopIteration):  # changed concurrently
                break

    def _parse_header(self, segment: str) -> _Header:
        try:
            header = loads_object(b64url_decode(segment))
        except ValueError:
            raise MalformedTokenError("The token header is not a JSON object.") from None
        forbidden = _FORBIDDEN_HEADERS.intersection(header)
        if forbidden:
            raise ForbiddenHeaderError(
                f"The token header carries {', '.join(sorted(forbidden))}, which is never accepted."
            )
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in self.algorithms:
            raise UnsupportedAlgorithmError()
        if "typ" in header or None not in self.accepted_types:
            typ = header.get("typ")
            if not isinstance(typ, str) or _normalise_type(typ) not in self.accepted_types:
                raise InvalidTypeError()
        kid = header.get("kid")
        if kid is None or kid == "":
            raise UnknownKeyError("The token does not name its signing key (no 'kid').")
        if not isinstance(kid, str) or len(kid) > MAX_KID_LENGTH or not kid.isprintable():
            raise MalformedTokenError("The token's 'kid' is not a short printable string.")
        parsed = _Header(alg, kid)
        if len(self._headers) >= _HEADER_CACHE_SIZE:
            self._headers.clear()  # cheap bound; legitimate headers are few
        self._headers[segment] = parsed
        return parsed

    def _check_claims(self, payload: dict[str, Any], now: float) -> float | None:
        """Raise for the first failing rule; return exp + leeway (None without exp)."""
        for name in self.required_claims:
            # A JSON null is no value: `"sub": null` must not satisfy a required claim.
            if payload.get(name) is None:
                raise MissingClaimError(f"The token lacks the required claim '{name}'.")
        leeway = self.leeway
        exp = payload.get("exp")
        valid_until = None
        if "exp" in payload:
            if type(exp) is not int:
                raise InvalidClaimsError("The 'exp' claim must be an integer.")
            valid_until = exp + leeway
            if now >= valid_until:
                raise ExpiredTokenError()
        for name in ("nbf", "iat"):
            if name in payload:
                value = payload[name]
                if type(value) is not int:
                    raise InvalidClaimsError(f"The '{name}' claim must be an integer.")
                if value > now + leeway:
                    raise ImmatureTokenError()
        if payload.get("iss") != self.issuer:
            raise InvalidIssuerError()
        sub = payload.get("sub")
        if "sub" in payload and (type(sub) is not str or not sub):
            raise InvalidClaimsError("The 'sub' claim must be a non-empty string.")
        if self.audiences is not None:
            self._check_audience(payload.get("aud"))
        return valid_until

    def _check_audience(self, aud: Any) -> None:
        # RFC 7519 §4.1.3: a string or an array of strings; we must be among them.
        # An array that also names other services is accepted, as the RFC says.
        audiences = self.audiences
        assert audiences is not None
        if type(aud) is str:
            if aud in audiences:
                return
        elif type(aud) is list and aud:
            if all(type(a) is str for a in aud) and not audiences.isdisjoint(aud):
                return
        if aud is None or aud == [] or aud == "":
            raise InvalidAudienceError("The token has no audience.")
        raise InvalidAudienceError()
