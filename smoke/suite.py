"""The checks: each one promise of a deployment, kept or broken, seen over HTTP only.

`Smoke(base_url, ...).run()` prints `ok <check>` for a kept promise and one
`FAIL <check>: <what is wrong>` line per broken one, and returns the exit status
(0 or 1). A check that needs what an earlier one failed to get prints
`skip <check>: ...`; the earlier FAIL already makes the run fail.

The throwaway account: the API has no account deletion, so each run registers a
new random address (at example.com unless told otherwise: RFC 2606, no mail is
ever delivered there) and ends by logging out every session of it. Given an
admin's credentials (SMOKE_ADMIN_EMAIL, SMOKE_ADMIN_PASSWORD), it bans the account
instead, so it can never log in again.

Nothing printed holds a password, a token or a secret: failures quote status
codes and the error body's `code` and `detail`, never a token answer.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TextIO

import jwt
import requests

__all__ = ["PRIVATE_MEMBERS", "REQUIRED_MEMBERS", "Smoke"]

JWKS_PATH = "/.well-known/jwks.json"
METADATA_PATH = "/.well-known/oauth-authorization-server"
# RFC 7518 §6.2.2 / §6.3.2 / §6.4: what only the private half (or a symmetric key) holds.
PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
REQUIRED_MEMBERS = ("kid", "kty", "alg", "use")
_PUBLIC_MEMBERS = ("kty", "kid", "use", "alg", "n", "e", "crv", "x", "y")
_MIN_RSA_BITS = 2048
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age=(\d+)\s*(?:,|$)", re.IGNORECASE)
_TOKEN_MEMBERS = ("access_token", "refresh_token")


class _Broken(Exception):
    """A broken promise that ends the current check (its message is the FAIL line)."""


@dataclass
class _Pair:
    access: str
    refresh: str


@dataclass
class _Account:
    email: str
    password: str
    user_id: str


class Smoke:
    """One run against `base_url`. Secrets come in as arguments, never from argv."""

    def __init__(
        self,
        base_url: str,
        *,
        introspection_secret: str | None = None,
        admin_email: str | None = None,
        admin_password: str | None = None,
        email_domain: str = "example.com",
        timeout: float = 10.0,
        out: TextIO | None = None,
        http: requests.Session | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.introspection_secret = introspection_secret or None
        self.admin = (admin_email, admin_password) if admin_email and admin_password else None
        self.email_domain = email_domain
        self.timeout = timeout
        self.out = out or sys.stdout
        self.http = http or requests.Session()
        self.http.headers["User-Agent"] = "authfort-smoke/1"
        self.failures = 0
        # What the checks learn and later checks use.
        self.issuer: str | None = None
        self.jwks: dict[str, dict[str, Any]] = {}
        self.account: _Account | None = None
        self.registered: _Pair | None = None
        self.logged_in: _Pair | None = None
        self.refreshed: _Pair | None = None

    def run(self) -> int:
        """Every check in order; 1 if any promise is broken, else 0."""
        self._check("health", self.health)
        self._check("metadata", self.metadata)
        self._check("jwks", self.jwks_shape)
        self._check("jwks-cache", self.jwks_cache)
        self._check("register", self.register)
        self._check("login", self.login, needs=("account",))
        self._check("token", self.token, needs=("logged_in", "jwks"))
        self._check("me", self.me, needs=("logged_in",))
        if self.introspection_secret:
            self._check("introspection", self.introspection, needs=("logged_in",))
        else:
            self._line("skip introspection: INTROSPECTION_SECRET not given")
        self._check("refresh", self.refresh, needs=("logged_in",))
        self._check("reuse", self.reuse, needs=("refreshed",))
        self._check("logout", self.logout, needs=("registered",))
        self._check("cleanup", self.cleanup, needs=("account",))
        return 1 if self.failures else 0

    # The checks. Each raises _Broken, or calls self._problem for each of several problems.

    def health(self) -> None:
        body = self._json(self._get("/health"), 200)
        for part in ("status", "database", "signing_key"):
            if body.get(part) != "ok":
                self._problem(f"{part} is {body.get(part)!r}, not 'ok'")

    def metadata(self) -> None:
        document = self._json(self._get(METADATA_PATH), 200)
        issuer, jwks_uri = document.get("issuer"), document.get("jwks_uri")
        if not isinstance(issuer, str) or not issuer:
            raise _Broken("the document has no issuer")
        self.issuer = issuer
        if not isinstance(jwks_uri, str) or not jwks_uri.endswith(JWKS_PATH):
            self._problem(f"jwks_uri {jwks_uri!r} does not end with {JWKS_PATH}")
        elif issuer.startswith("https://") and not jwks_uri.startswith("https://"):
            self._problem(f"jwks_uri {jwks_uri!r} is not https although the issuer is")
        algorithms = document.get("access_token_signing_alg_values_supported")
        if not isinstance(algorithms, list) or not algorithms:
            self._problem("access_token_signing_alg_values_supported is missing or empty")
        if self.introspection_secret and not document.get("introspection_endpoint"):
            self._problem("no introspection_endpoint although INTROSPECTION_SECRET was given")

    def jwks_shape(self) -> None:
        response = self._get(JWKS_PATH)
        body = self._json(response, 200)
        content_type = response.headers.get("Content-Type", "")
        if not content_type.startswith(("application/jwk-set+json", "application/json")):
            self._problem(f"Content-Type is {content_type!r}, not application/jwk-set+json")
        keys = body.get("keys")
        if not isinstance(keys, list):
            raise _Broken("the document has no 'keys' list")
        if not keys:
            raise _Broken("the key set is empty: no consumer can verify a token")
        for index, key in enumerate(keys):
            self._check_jwk(index, key)

    def jwks_cache(self) -> None:
        response = self._get(JWKS_PATH)
        self._expect(response, 200)
        cache_control = response.headers.get("Cache-Control", "")
        match = _MAX_AGE.search(cache_control)
        if match is None:
            self._problem(f"Cache-Control {cache_control!r} has no max-age: consumers cannot cache the keys")
        elif int(match.group(1)) == 0:
            self._problem("Cache-Control max-age is 0: consumers refetch the keys on every token")
        etag = response.headers.get("ETag")
        if not etag:
            self._problem("no ETag: consumers cannot revalidate the keys")
            return
        revalidated = self._get(JWKS_PATH, headers={"If-None-Match": etag})
        if revalidated.status_code != 304:
            self._problem(f"If-None-Match with the current ETag answered {_describe(revalidated)}, not 304")

    def register(self) -> None:
        email = f"smoke-{secrets.token_hex(8)}@{self.email_domain}"
        password = "smoke " + secrets.token_urlsafe(24)
        response = self._post("/auth/register", json={"email": email, "password": password})
        body = self._token_answer(response, 201)
        user = body.get("user") if isinstance(body.get("user"), dict) else {}
        if not isinstance(user.get("id"), str):
            raise _Broken("the answer has no user id")
        self.account = _Account(email=email, password=password, user_id=user["id"])
        self.registered = _Pair(body["access_token"], body["refresh_token"])
        if str(user.get("email", "")).lower() != email:
            self._problem(f"the answer's user email is {user.get('email')!r}, not {email!r}")

    def login(self) -> None:
        assert self.account is not None
        self.logged_in = self._login(self.account.email, self.account.password)

    def token(self) -> None:
        assert self.logged_in is not None
        try:
            header = jwt.get_unverified_header(self.logged_in.access)
        except jwt.PyJWTError:
            raise _Broken("the access token is not a JWT") from None
        kid = header.get("kid")
        if header.get("typ") not in ("at+jwt", "application/at+jwt"):
            self._problem(f"the token's typ is {header.get('typ')!r}, not 'at+jwt' (RFC 9068)")
        jwk = self.jwks.get(kid) if isinstance(kid, str) else None
        if jwk is None:
            raise _Broken(f"the token's kid {kid!r} is not in the JWKS: consumers cannot verify it")
        if header.get("alg") != jwk.get("alg"):
            raise _Broken(f"the token's alg {header.get('alg')!r} is not its key's alg {jwk.get('alg')!r}")
        try:
            key = jwt.PyJWK({name: jwk[name] for name in _PUBLIC_MEMBERS if name in jwk})
            claims = jwt.decode(
                self.logged_in.access,
                key,
                algorithms=[jwk["alg"]],
                issuer=self.issuer,
                options={"verify_aud": False, "require": ["exp", "iat", "iss", "sub", "aud", "jti"]},
            )
        except jwt.PyJWTError as error:
            raise _Broken(f"the access token does not verify with JWKS key {kid!r}: {error}") from None
        assert self.account is not None
        if claims.get("sub") != self.account.user_id:
            self._problem(f"the token's sub {claims.get('sub')!r} is not the registered user's id")

    def me(self) -> None:
        assert self.logged_in is not None and self.account is not None
        body = self._json(self._get("/auth/me", token=self.logged_in.access), 200)
        if str(body.get("email", "")).lower() != self.account.email:
            self._problem(f"/auth/me names {body.get('email')!r}, not the logged-in {self.account.email!r}")
        anonymous = self._get("/auth/me")
        if anonymous.status_code != 401:
            self._problem(f"/auth/me without a token answered {_describe(anonymous)}, not 401")
        elif not anonymous.headers.get("WWW-Authenticate", "").startswith("Bearer"):
            self._problem("/auth/me's 401 has no WWW-Authenticate: Bearer challenge")

    def introspection(self) -> None:
        assert self.logged_in is not None and self.account is not None
        body = self._introspect(self.logged_in.access)
        if body.get("active") is not True:
            raise _Broken(f"a live access token introspects as {_public(body)}, not active")
        if body.get("sub") != self.account.user_id:
            self._problem("the introspected sub is not the registered user's id")
        wrong = self._post(
            "/auth/introspect",
            data={"token": self.logged_in.access},
            headers={"Authorization": "Bearer " + secrets.token_urlsafe(32)},
        )
        if wrong.status_code != 401:
            self._problem(f"a wrong introspection secret answered {_describe(wrong)}, not 401")

    def refresh(self) -> None:
        assert self.logged_in is not None
        response = self._post("/auth/refresh", json={"refresh_token": self.logged_in.refresh})
        body = self._token_answer(response, 200)
        self.refreshed = _Pair(body["access_token"], body["refresh_token"])
        if self.refreshed.refresh == self.logged_in.refresh:
            self._problem("the refresh token was not rotated: the same one came back")
        self._expect(self._get("/auth/me", token=self.refreshed.access), 200, what="/auth/me with the new access token")

    def reuse(self) -> None:
        assert self.logged_in is not None and self.refreshed is not None
        replay = self._post("/auth/refresh", json={"refresh_token": self.logged_in.refresh})
        if replay.status_code != 401:
            raise _Broken(f"replaying a used refresh token answered {_describe(replay)}, not 401")
        if _code(replay) != "refresh_token_reused":
            self._problem(f"replaying a used refresh token answered code {_code(replay)!r}, not 'refresh_token_reused'")
        newer = self._post("/auth/refresh", json={"refresh_token": self.refreshed.refresh})
        if newer.status_code != 401:
            self._problem(
                f"after the replay the session's newer refresh token answered {_describe(newer)}, "
                f"not 401: the session was not revoked"
            )

    def logout(self) -> None:
        assert self.registered is not None
        self._expect(self._post("/auth/logout", token=self.registered.access), 204, what="POST /auth/logout")
        me = self._get("/auth/me", token=self.registered.access)
        if me.status_code != 401:
            self._problem(f"/auth/me with the logged-out session's token answered {_describe(me)}, not 401")
        refresh = self._post("/auth/refresh", json={"refresh_token": self.registered.refresh})
        if refresh.status_code != 401:
            self._problem(f"the logged-out session's refresh token answered {_describe(refresh)}, not 401")
        if self.introspection_secret:
            body = self._introspect(self.registered.access)
            if body != {"active": False}:
                self._problem(f"the logged-out session's token introspects as {_public(body)}, not exactly inactive")

    def cleanup(self) -> None:
        assert self.account is not None
        if self.admin is not None:
            admin = self._login(*self.admin, what="the admin login")
            ban = self._post(f"/auth/users/{self.account.user_id}/ban", token=admin.access)
            self._post("/auth/logout", token=admin.access)
            self._expect(ban, 204, what="banning the throwaway account")
            self._note = f"banned {self.account.email}"
            return
        pair = self._login(self.account.email, self.account.password, what="the cleanup login")
        self._expect(self._post("/auth/logout-all", token=pair.access), 204, what="POST /auth/logout-all")
        self._note = f"logged out every session of {self.account.email} (the API deletes no accounts)"

    # How a check runs and reports.

    @contextmanager
    def _reporting(self, name: str) -> Iterator[None]:
        self._problems: list[str] = []
        self._note = ""
        try:
            yield
        except _Broken as broken:
            self._problems.append(str(broken))
        except requests.RequestException as error:
            self._problems.append(f"no answer from {self.base_url}: {type(error).__name__}: {_first_line(error)}")
        for problem in self._problems:
            self.failures += 1
            self._line(f"FAIL {name}: {problem}")
        if not self._problems:
            self._line(f"ok {name}" + (f": {self._note}" if self._note else ""))

    def _check(self, name: str, check: Callable[[], None], needs: tuple[str, ...] = ()) -> None:
        missing = [need for need in needs if not getattr(self, need)]
        if missing:
            self._line(f"skip {name}: an earlier check failed")
            return
        with self._reporting(name):
            check()

    def _problem(self, message: str) -> None:
        self._problems.append(message)

    def _line(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    # HTTP.

    def _get(self, path: str, *, token: str | None = None, headers: dict[str, str] | None = None) -> requests.Response:
        return self._request("GET", path, token=token, headers=headers)

    def _post(self, path: str, *, token: str | None = None, **kwargs: Any) -> requests.Response:
        return self._request("POST", path, token=token, **kwargs)

    def _request(
        self, method: str, path: str, *, token: str | None = None, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> requests.Response:
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        # No redirects: a deployment that answers the API with a redirect is broken for API clients.
        return self.http.request(
            method, self.base_url + path, headers=headers, timeout=self.timeout, allow_redirects=False, **kwargs
        )

    def _login(self, email: str, password: str, *, what: str = "POST /auth/login") -> _Pair:
        body = self._token_answer(self._post("/auth/login", json={"email": email, "password": password}), 200, what)
        return _Pair(body["access_token"], body["refresh_token"])

    def _introspect(self, token: str) -> dict[str, Any]:
        assert self.introspection_secret is not None
        response = self._post(
            "/auth/introspect", data={"token": token}, headers={"Authorization": f"Bearer {self.introspection_secret}"}
        )
        return self._json(response, 200, what="POST /auth/introspect")

    def _expect(self, response: requests.Response, status: int, *, what: str | None = None) -> None:
        if response.status_code != status:
            raise _Broken(f"{what or _request_line(response)} answered {_describe(response)}, not {status}")

    def _json(self, response: requests.Response, status: int, *, what: str | None = None) -> dict[str, Any]:
        self._expect(response, status, what=what)
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise _Broken(f"{what or _request_line(response)} answered {status} without a JSON object")
        return body

    def _token_answer(self, response: requests.Response, status: int, what: str | None = None) -> dict[str, Any]:
        body = self._json(response, status, what=what)
        for member in _TOKEN_MEMBERS:
            if not isinstance(body.get(member), str) or not body[member]:
                raise _Broken(f"{what or _request_line(response)} answered without {member}")
        if "no-store" not in response.headers.get("Cache-Control", ""):
            self._problem(f"{what or _request_line(response)} carries tokens without Cache-Control: no-store")
        return body

    def _check_jwk(self, index: int, key: Any) -> None:
        if not isinstance(key, dict):
            self._problem(f"key #{index} is not a JSON object")
            return
        kid = key.get("kid")
        label = repr(kid) if isinstance(kid, str) else f"#{index}"
        for member in REQUIRED_MEMBERS:
            if not isinstance(key.get(member), str) or not key[member]:
                self._problem(f"key {label} lacks {member!r}")
        for member in PRIVATE_MEMBERS:
            if member in key:
                self._problem(f"key {label} carries private member {member!r}")
        if key.get("use", "sig") != "sig":
            self._problem(f"key {label} has use {key.get('use')!r}, not 'sig'")
        if key.get("kty") == "RSA":
            bits = _rsa_bits(key.get("n"))
            if bits < _MIN_RSA_BITS:
                self._problem(f"key {label} is RSA with {bits} bits, fewer than {_MIN_RSA_BITS}")
        if isinstance(kid, str):
            if kid in self.jwks:
                self._problem(f"key {label} is published twice")
            self.jwks[kid] = key


def _describe(response: requests.Response) -> str:
    """`401 refresh_token_reused: <detail>`, or `301 -> <Location>`: never the body of a token answer."""
    text = str(response.status_code)
    if response.is_redirect:
        return f"{text} -> {response.headers.get('Location', '?')}"
    if response.status_code >= 400:
        code, detail = _code(response), _detail(response)
        if code or detail:
            text += f" {code or '-'}: {detail[:160]}" if detail else f" {code}"
    return text


def _code(response: requests.Response) -> str | None:
    body = _error_body(response)
    return body.get("code") if isinstance(body.get("code"), str) else None


def _detail(response: requests.Response) -> str:
    body = _error_body(response)
    return body.get("detail") if isinstance(body.get("detail"), str) else ""


def _error_body(response: requests.Response) -> dict[str, Any]:
    if response.status_code < 400:
        return {}
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _public(body: dict[str, Any]) -> str:
    """An introspection answer without anything but `active` (the rest may be personal)."""
    return json.dumps({"active": body.get("active"), "members": sorted(body)})


def _request_line(response: requests.Response) -> str:
    request = response.request
    path = requests.utils.urlparse(request.url or "").path
    return f"{request.method} {path}"


def _rsa_bits(n: Any) -> int:
    if not isinstance(n, str):
        return 0
    try:
        return int.from_bytes(base64.urlsafe_b64decode(n + "=" * (-len(n) % 4)), "big").bit_length()
    except ValueError:
        return 0


def _first_line(error: Exception) -> str:
    return (str(error).splitlines() or [""])[0][:200]
