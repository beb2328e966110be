"""private_key_jwt (RFC 7523 §2.2, RFC 7521 §4.2): a client proves who it is with a JWT
signed by a key it registered (a JWKS, or a `jwks_uri` fetched and cached).

The assertion is checked by verifier_client's TokenVerifier, the code every
consumer runs: signature with the client's key (named by `kid`), algorithm
allowlist, no embedded keys, `iss` = `sub` = the client_id, `aud` naming this
server (its issuer or the endpoint's URL), `exp` required and near, `jti`
required and accepted once (UsedClientAssertion's unique constraint).
"""

from __future__ import annotations

import binascii
import base64
import hashlib
import json
import threading
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from django.db import IntegrityError, transaction

from authfort_django.clients.errors import ClientAuthenticationFailed
from authfort_django.clients.registry import find_client
from authfort_django.conf import SUPPORTED_ALGORITHMS, authfort_settings
from authfort_django.models import Client, UsedClientAssertion
from verifier_client import (
    InvalidAudienceError,
    JWKSClient,
    KeySet,
    KeySetUnavailableError,
    StaticKeySet,
    TokenVerifier,
    VerificationError,
)

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
MAX_ASSERTION_BYTES = 4096
# `typ` values an assertion may carry: PyJWT and most libraries write "JWT"; the
# client-authentication+jwt type is the one draft-ietf-oauth-rfc7523bis defines.
ASSERTION_TYPES = ("JWT", "client-authentication+jwt")
_MAX_CACHED_KEY_SETS = 256


class _KeySets:
    """One key set per client and registration, built once: parsing keys is the slow
    part, and a jwks_uri's JWKSClient keeps its cache between requests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sets: dict[tuple[int, str], KeySet] = {}

    def for_client(self, client: Client) -> KeySet:
        if client.jwks_uri:
            registration = "uri:" + client.jwks_uri
        else:
            registration = "jwks:" + hashlib.sha256(
                json.dumps(client.jwks, sort_keys=True).encode()
            ).hexdigest()
        key = (client.pk, registration)
        found = self._sets.get(key)
        if found is not None:
            return found
        if client.jwks_uri:
            built: KeySet = JWKSClient(client.jwks_uri, algorithms=SUPPORTED_ALGORITHMS, timeout=3)
        else:
            built = StaticKeySet(client.jwks or {"keys": []}, algorithms=SUPPORTED_ALGORITHMS)
        with self._lock:
            if len(self._sets) >= _MAX_CACHED_KEY_SETS:
                self._sets.clear()
            return self._sets.setdefault(key, built)


_key_sets = _KeySets()


def _unverified_issuer(assertion: str) -> str:
    """The `iss` the assertion claims, read before any check, only to find whose keys verify it."""
    parts = assertion.split(".")
    if len(parts) != 3:
        raise ClientAuthenticationFailed(
            "assertion_malformed", detail="The client_assertion must be a signed JWT (three dot-separated parts)."
        )
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        payload = None
    issuer = payload.get("iss") if isinstance(payload, dict) else None
    if not isinstance(issuer, str) or not issuer:
        raise ClientAuthenticationFailed(
            "assertion_malformed",
            detail="The client_assertion's payload must be a JSON object whose 'iss' is your client_id.",
        )
    return issuer


def authenticate_by_assertion(assertion: str, *, client_id: str | None, audiences: Sequence[str]) -> Client:
    """The client that signed `assertion`; ClientAuthenticationFailed saying why not."""
    if len(assertion) > MAX_ASSERTION_BYTES:
        raise ClientAuthenticationFailed(
            "assertion_too_large", client_id=client_id or "",
            detail=f"The client_assertion is larger than {MAX_ASSERTION_BYTES} bytes.",
        )
    issuer = _unverified_issuer(assertion)
    if client_id is not None and client_id != issuer:
        raise ClientAuthenticationFailed(
            "client_id_mismatch", client_id=client_id,
            detail="The client_id parameter differs from the client_assertion's 'iss'; they must be equal.",
        )
    client = find_client(issuer)
    if client is None or not client.is_active:
        raise ClientAuthenticationFailed("unknown_client" if client is None else "client_disabled", client_id=issuer)
    if client.jwks is None and not client.jwks_uri:
        raise ClientAuthenticationFailed(
            "method_not_registered", client_id=issuer,
            detail="This client has no registered keys: authenticate with its secret (client_secret_basic).",
        )
    leeway = min(int(authfort_settings.LEEWAY), 60)
    try:
        verifier = TokenVerifier(
            keys=_key_sets.for_client(client),
            issuer=client.client_id,
            audience=list(audiences),
            algorithms=SUPPORTED_ALGORITHMS,
            accepted_types=ASSERTION_TYPES,
            leeway=leeway,
            required_claims=("iss", "sub", "aud", "exp", "jti"),
            verified_cache_size=0,  # each assertion is good once: never answered from a cache
            max_token_bytes=MAX_ASSERTION_BYTES,
        )
        claims = verifier.verify(assertion)
    except KeySetUnavailableError:
        raise ClientAuthenticationFailed(
            "keys_unavailable", client_id=issuer,
            detail="The client's registered jwks_uri could not be fetched, so its assertion cannot be checked.",
        ) from None
    except InvalidAudienceError:
        raise ClientAuthenticationFailed(
            "assertion_invalid", client_id=issuer,
            detail=f"The client_assertion's 'aud' must name this server: one of {', '.join(audiences)}.",
        ) from None
    except (VerificationError, ValueError) as exc:
        reason = exc.reason if isinstance(exc, VerificationError) else "The registered JWKS is not usable."
        raise ClientAuthenticationFailed(
            "assertion_invalid", client_id=issuer, detail=f"The client_assertion was refused: {reason}"
        ) from None
    if claims.sub != client.client_id:
        raise ClientAuthenticationFailed(
            "assertion_invalid", client_id=issuer,
            detail="The client_assertion's 'sub' must be your client_id, as its 'iss' is.",
        )
    max_lifetime = int(authfort_settings.CLIENT_ASSERTION_MAX_LIFETIME)
    if claims.exp - time.time() > max_lifetime + leeway:
        raise ClientAuthenticationFailed(
            "assertion_invalid", client_id=issuer,
            detail=f"The client_assertion expires too late: its 'exp' may be at most {max_lifetime} seconds ahead.",
        )
    _use_once(client, claims.jti, claims.exp + leeway)
    return client


def _use_once(client: Client, jti: Any, until: int) -> None:
    if not isinstance(jti, str) or not 0 < len(jti) <= 255:
        raise ClientAuthenticationFailed(
            "assertion_invalid", client_id=client.client_id,
            detail="The client_assertion needs a 'jti' of at most 255 characters, new for every assertion.",
        )
    try:
        with transaction.atomic():
            UsedClientAssertion.objects.create(
                client=client, jti=jti, expires_at=datetime.fromtimestamp(until, tz=timezone.utc)
            )
    except IntegrityError:
        raise ClientAuthenticationFailed(
            "assertion_replayed", client_id=client.client_id,
            detail="This client_assertion was already used (same 'jti'): sign a new one for each request.",
        ) from None
