"""The calling side of a service-to-service request: OAuth 2.0 client credentials.

    from verifier_client import ClientCredentials
    tokens = ClientCredentials("https://auth.example.com/auth/token", client_id, client_secret,
                               scope="notifications:write", audience="notifications")
    requests.post(url, json=body, auth=tokens)             # requests: ClientCredentials is its auth
    httpx.post(url, json=body, auth=tokens.httpx_auth())   # httpx: an httpx.Auth

One token is fetched (RFC 6749 §4.4) and reused until shortly before it expires;
threads that need a token while one is being fetched wait for that one fetch
(single flight). A call answered 401 is retried once with a fresh token (the
token may have been revoked, or the auth server's keys rotated). The secret,
the private key and the tokens are never logged.

Client authentication: `client_secret` (HTTP Basic, or `auth_method=
"client_secret_post"`), or `private_key=` (PEM or a `cryptography` key) with its
`key_id`: a `private_key_jwt` assertion (RFC 7523) signed here for each fetch.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_plus

from ._transport import check_url

__all__ = ["ClientCredentials", "ClientCredentialsError"]

logger = logging.getLogger("verifier_client.client_credentials")

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_MAX_RESPONSE_BYTES = 64 * 1024
_SIGNING_ALGORITHMS = ("RS256", "ES256", "EdDSA")


class ClientCredentialsError(Exception):
    """No token could be had. `error` is the server's RFC 6749 code (or `server_error` /
    `temporarily_unavailable` for transport problems), `description` its explanation,
    `status` the HTTP status (None when the server was not reached)."""

    def __init__(self, error: str, description: str, status: int | None = None) -> None:
        self.error = error
        self.description = description
        self.status = status
        super().__init__(f"{error}: {description}" + (f" (HTTP {status})" if status else ""))


@dataclass(frozen=True)
class _Cached:
    value: str
    refresh_at: float


class ClientCredentials:
    """A cached, thread-safe source of access tokens for one client, scope and audience.

    `refresh_margin` seconds before a token expires (at most half its lifetime) the
    next call fetches a new one. `clock` (wall-clock seconds) and `session` (a
    `requests.Session`, or anything with its `post`) are seams for tests and for
    connection reuse. `fetch_count` says how many tokens were fetched.
    """

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: str | None = None,
        *,
        private_key: Any = None,
        key_id: str | None = None,
        algorithm: str = "RS256",
        scope: str | Iterable[str] | None = None,
        audience: str | None = None,
        auth_method: str = "client_secret_basic",
        refresh_margin: float = 30.0,
        timeout: float = 5.0,
        assertion_lifetime: int = 60,
        allow_insecure_http: bool = False,
        clock: Callable[[], float] = time.time,
        session: Any = None,
    ) -> None:
        check_url(token_url, "token_url", allow_insecure_http)
        if not isinstance(client_id, str) or not client_id:
            raise ValueError("client_id must be a non-empty string")
        if (client_secret is None) == (private_key is None):
            raise ValueError("give exactly one of client_secret and private_key (for private_key_jwt)")
        if client_secret is not None and auth_method not in ("client_secret_basic", "client_secret_post"):
            raise ValueError("auth_method must be 'client_secret_basic' or 'client_secret_post'")
        if private_key is not None:
            if not key_id:
                raise ValueError("private_key_jwt needs key_id: the 'kid' of the key the client registered")
            if algorithm not in _SIGNING_ALGORITHMS:
                raise ValueError(f"algorithm must be one of {', '.join(_SIGNING_ALGORITHMS)}")
            private_key = _load_private_key(private_key)
        if refresh_margin < 0 or timeout <= 0:
            raise ValueError("refresh_margin must not be negative and timeout must be positive")
        self.token_url = token_url
        self.client_id = client_id
        self._secret = client_secret
        self._private_key = private_key
        self._key_id = key_id
        self._algorithm = algorithm
        self.scope = scope if scope is None or isinstance(scope, str) else " ".join(scope)
        self.audience = audience
        self.auth_method = "private_key_jwt" if private_key is not None else auth_method
        self.refresh_margin = refresh_margin
        self.timeout = timeout
        self.assertion_lifetime = assertion_lifetime
        self._clock = clock
        self._session = session
        self._lock = threading.Lock()
        self._cached: _Cached | None = None
        self.fetch_count = 0

    def __repr__(self) -> str:  # never the secret, the key or a token
        return f"<ClientCredentials client_id={self.client_id!r} token_url={self.token_url!r}>"

    # -- the token ---------------------------------------------------------------------
    def token(self) -> str:
        """A current access token: the cached one, or one fetched now (one fetch for all threads)."""
        cached = self._cached
        if cached is not None and self._clock() < cached.refresh_at:
            return cached.value
        with self._lock:
            cached = self._cached
            if cached is not None and self._clock() < cached.refresh_at:
                return cached.value
            self._cached = cached = self._fetch()
            return cached.value

    def invalidate(self, token: str | None = None) -> None:
        """Forget the cached token (only if it is still `token`, when given): the next
        call fetches another. Threads that saw the same 401 thus cause one fetch."""
        with self._lock:
            if self._cached is not None and (token is None or self._cached.value == token):
                self._cached = None

    def _fetch(self) -> _Cached:
        form: dict[str, str] = {"grant_type": "client_credentials"}
        if self.scope:
            form["scope"] = self.scope
        if self.audience:
            form["resource"] = self.audience
        headers = {"Accept": "application/json"}
        if self._private_key is not None:
            form["client_assertion_type"] = ASSERTION_TYPE
            form["client_assertion"] = self._assertion()
        elif self.auth_method == "client_secret_post":
            form["client_id"], form["client_secret"] = self.client_id, self._secret or ""
        else:
            # RFC 6749 §2.3.1: each part form-encoded before base64.
            pair = f"{quote_plus(self.client_id)}:{quote_plus(self._secret or '')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        started = self._clock()
        status, body = self._post(form, headers)
        answer = _json_object(body)
        if status != 200:
            error = answer.get("error") if isinstance(answer.get("error"), str) else "server_error"
            description = answer.get("error_description")
            raise ClientCredentialsError(
                error,
                description if isinstance(description, str) else "The token endpoint refused the request.",
                status,
            )
        token, expires_in = answer.get("access_token"), answer.get("expires_in")
        token_type = answer.get("token_type")
        if not isinstance(token, str) or not token or not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise ClientCredentialsError("server_error", "The token endpoint's answer holds no Bearer access_token.", status)
        if isinstance(expires_in, bool) or not isinstance(expires_in, int) or expires_in <= 0:
            expires_in = 60  # RFC 6749 §5.1 makes it RECOMMENDED; without it, reuse briefly
        self.fetch_count += 1
        margin = min(self.refresh_margin, expires_in / 2)
        logger.info("Fetched an access token for client %s (expires in %s s)", self.client_id, expires_in)
        return _Cached(token, started + expires_in - margin)

    def _post(self, form: Mapping[str, str], headers: Mapping[str, str]) -> tuple[int, bytes]:
        try:
            post = self._session.post if self._session is not None else _requests().post
            response = post(self.token_url, data=dict(form), headers=dict(headers), timeout=self.timeout,
                            allow_redirects=False, stream=True)
            try:
                body = response.raw.read(_MAX_RESPONSE_BYTES + 1, decode_content=True)
            finally:
                response.close()
        except ClientCredentialsError:
            raise
        except Exception as exc:  # noqa: BLE001 - every transport failure is one answer
            raise ClientCredentialsError(
                "temporarily_unavailable", f"The token endpoint could not be reached ({type(exc).__name__})."
            ) from None
        if len(body) > _MAX_RESPONSE_BYTES:
            raise ClientCredentialsError("server_error", "The token endpoint's answer is too large.", response.status_code)
        return response.status_code, body

    def _assertion(self) -> str:
        now = int(self._clock())
        header = {"alg": self._algorithm, "typ": "JWT", "kid": self._key_id}
        claims = {
            "iss": self.client_id, "sub": self.client_id, "aud": self.token_url,
            "iat": now, "exp": now + self.assertion_lifetime, "jti": secrets.token_urlsafe(16),
        }
        signing_input = f"{_b64_json(header)}.{_b64_json(claims)}".encode("ascii")
        return signing_input.decode("ascii") + "." + _b64(_sign(self._algorithm, self._private_key, signing_input))

    # -- requests ----------------------------------------------------------------------
    def __call__(self, request: Any) -> Any:
        """requests' auth protocol (requests.auth.AuthBase): the Bearer header, and one
        retry with a fresh token when the answer is 401."""
        token = self.token()
        request.headers["Authorization"] = f"Bearer {token}"
        request.register_hook("response", self._retry_once_on_401)
        request._client_credentials_token = token
        return request

    def _retry_once_on_401(self, response: Any, **kwargs: Any) -> Any:
        sent = response.request
        if response.status_code != 401 or getattr(sent, "_client_credentials_retried", False):
            return response
        if sent.body is not None and not isinstance(sent.body, (bytes, str)):
            return response  # a streamed body cannot be sent twice
        self.invalidate(getattr(sent, "_client_credentials_token", None))
        response.content  # noqa: B018 - read it so the connection can be reused
        response.close()
        retry = sent.copy()
        token = self.token()
        retry.headers["Authorization"] = f"Bearer {token}"
        retry._client_credentials_retried = True
        retry._client_credentials_token = token
        answer = response.connection.send(retry, **kwargs)
        answer.history.append(response)
        answer.request = retry
        return answer

    # -- httpx ------------------------------------------------------------------------
    def httpx_auth(self) -> Any:
        """An `httpx.Auth` for `httpx.Client(auth=...)`: the Bearer header and one retry on 401.

        The token is fetched with `requests` (blocking, once per token lifetime), also
        under `httpx.AsyncClient`.
        """
        return _httpx_auth_class()(self)


def _requests() -> Any:
    import requests

    return requests


_HTTPX_AUTH: Any = None


def _httpx_auth_class() -> Any:
    global _HTTPX_AUTH
    if _HTTPX_AUTH is None:
        try:
            import httpx
        except ImportError as exc:
            raise ImportError('ClientCredentials.httpx_auth() needs httpx: pip install "authfort-verifier[httpx]"') from exc

        class ClientCredentialsAuth(httpx.Auth):
            def __init__(self, source: ClientCredentials) -> None:
                self.source = source

            def auth_flow(self, request: Any) -> Any:
                token = self.source.token()
                request.headers["Authorization"] = f"Bearer {token}"
                response = yield request
                if response.status_code == 401:
                    self.source.invalidate(token)
                    request.headers["Authorization"] = f"Bearer {self.source.token()}"
                    yield request

        _HTTPX_AUTH = ClientCredentialsAuth
    return _HTTPX_AUTH


# -- signing (private_key_jwt) -------------------------------------------------------------
def _load_private_key(key: Any) -> Any:
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    if isinstance(key, str):
        key = key.encode()
    if isinstance(key, bytes):
        try:
            return load_pem_private_key(key, password=None)
        except (ValueError, TypeError):
            raise ValueError("private_key must be an unencrypted PEM private key") from None
    if not hasattr(key, "sign"):
        raise ValueError("private_key must be PEM or a cryptography private key")
    return key


def _sign(algorithm: str, key: Any, data: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, padding
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    if algorithm == "RS256":
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if algorithm == "ES256":
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return key.sign(data)  # EdDSA (Ed25519)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64_json(value: Mapping[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}
