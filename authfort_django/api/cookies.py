"""Cookie mode (`AUTHFORT["COOKIE"]["ENABLED"]`): tokens in cookies for browser clients.

Login, register, refresh and password change answered with cookies (see
api/delivery.py for who is) set three cookies, and no token goes into the body:

    access_token   HttpOnly, Path=/, Max-Age = the access token's lifetime
    refresh_token  HttpOnly, Path=REFRESH_PATH (only the auth endpoints see it),
                   Max-Age = what is left of the session (idle or absolute limit)
    authfort_csrf  readable by scripts, Path=/, same Max-Age as the refresh cookie

All are Secure (unless COOKIE.SECURE is False, for plain-HTTP development),
SameSite from the settings (Lax by default) and scoped to COOKIE.DOMAIN when set
(a parent domain shares them with sibling services).

Names carry a prefix the browser enforces (RFC 6265bis §4.1.3), so a sibling
subdomain or a plain-http page cannot plant or overwrite them: `__Host-` on a
cookie without Domain and with Path=/, `__Secure-` on the others (a Domain is
configured, or the refresh cookie's path is not /). With SECURE off there is no
prefix (browsers refuse prefixed cookies without Secure). A configured name that
already starts with a prefix is used as given.

CSRF: a browser attaches cookies to cross-site requests, so a request that is
authenticated by cookie with an unsafe method must also carry the CSRF cookie's
value in the CSRF header (double submit), and that value must be signed for the
request's session (api/csrf.py). A foreign page can neither read the cookie nor
set a custom header without a CORS preflight. Bearer clients never send cookies
and are not affected.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest, HttpResponse
from rest_framework.exceptions import PermissionDenied

from authfort_django.api import csrf
from authfort_django.conf import authfort_settings
from authfort_django.tokens.pairs import TokenPair

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
HOST_PREFIX = "__Host-"
SECURE_PREFIX = "__Secure-"
_EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT"


class CSRFFailed(PermissionDenied):
    default_code = "csrf_failed"

    def __init__(self, header: str) -> None:
        super().__init__(
            f"This request is authenticated by cookie, so it must send the value of the "
            f"CSRF cookie in the {header} header (as set by this session's last login or refresh).",
            self.default_code,
        )


@dataclass(frozen=True)
class CookieNames:
    """The names the cookies are set and read under, prefixes included."""

    access: str
    refresh: str
    csrf: str


def enabled() -> bool:
    return bool(authfort_settings.COOKIE["ENABLED"])


def prefixed(name: str, *, path: str, conf: Mapping[str, Any]) -> str:
    """`name` with the strongest prefix a cookie at `path` with `conf`'s Domain and Secure may carry."""
    if name.startswith((HOST_PREFIX, SECURE_PREFIX)) or not conf["SECURE"]:
        return name
    if not conf["DOMAIN"] and path == "/":
        return HOST_PREFIX + name
    return SECURE_PREFIX + name


def cookie_names() -> CookieNames:
    conf = authfort_settings.COOKIE
    return CookieNames(
        access=prefixed(conf["ACCESS_NAME"], path="/", conf=conf),
        refresh=prefixed(conf["REFRESH_NAME"], path=conf["REFRESH_PATH"], conf=conf),
        csrf=prefixed(conf["CSRF_NAME"], path="/", conf=conf),
    )


def _common(conf: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "domain": conf["DOMAIN"] or None,
        "secure": bool(conf["SECURE"]),
        "samesite": conf["SAMESITE"],
    }


def set_token_cookies(response: HttpResponse, pair: TokenPair) -> None:
    """Put `pair` into the three cookies (no-op unless cookie mode is on)."""
    if not enabled():
        return
    conf = authfort_settings.COOKIE
    names = cookie_names()
    common = _common(conf)
    response.set_cookie(names.access, pair.access.token, max_age=pair.access.expires_in, path="/", httponly=True, **common)
    response.set_cookie(
        names.refresh,
        pair.refresh_token,
        max_age=pair.refresh_expires_in,
        path=conf["REFRESH_PATH"],
        httponly=True,
        **common,
    )
    # A fresh value per pair, signed for its session: nothing a page obtained before
    # login stays valid after it, and no value passes for another session.
    response.set_cookie(
        names.csrf, csrf.issue(pair.access.claims["sid"]), max_age=pair.refresh_expires_in, path="/", **common
    )


def clear_token_cookies(response: HttpResponse) -> None:
    """Expire all three cookies, with the attributes they were set with (else browsers keep them)."""
    if not enabled():
        return
    conf = authfort_settings.COOKIE
    names = cookie_names()
    common = _common(conf)
    for name, path, httponly in (
        (names.access, "/", True),
        (names.refresh, conf["REFRESH_PATH"], True),
        (names.csrf, "/", False),
    ):
        response.set_cookie(name, "", max_age=0, expires=_EPOCH, path=path, httponly=httponly, **common)


def access_token_from(request: HttpRequest) -> str | None:
    if not enabled():
        return None
    return request.COOKIES.get(cookie_names().access) or None


def refresh_token_from(request: HttpRequest) -> str | None:
    if not enabled():
        return None
    return request.COOKIES.get(cookie_names().refresh) or None


def check_csrf(request: HttpRequest, session_id: Any) -> None:
    """For a request authenticated by cookie as session `session_id`: raise CSRFFailed (403)
    unless the header echoes the CSRF cookie and that value is signed for this session.

    Safe methods pass. The comparisons are constant-time.
    """
    if request.method in SAFE_METHODS:
        return
    header_name = authfort_settings.COOKIE["CSRF_HEADER"]
    cookie = request.COOKIES.get(cookie_names().csrf, "")
    header = request.headers.get(header_name, "")
    if not cookie or not header:
        raise CSRFFailed(header_name)
    if not hmac.compare_digest(cookie.encode("utf-8", "surrogatepass"), header.encode("utf-8", "surrogatepass")):
        raise CSRFFailed(header_name)
    if not csrf.is_bound_to(cookie, session_id):
        raise CSRFFailed(header_name)
