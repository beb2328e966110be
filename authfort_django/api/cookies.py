"""Cookie mode (`AUTHFORT["COOKIE"]["ENABLED"]`): tokens in cookies for browser clients.

Login, register, refresh and password change set three cookies:

    access_token   HttpOnly, Path=/, Max-Age = the access token's lifetime
    refresh_token  HttpOnly, Path=REFRESH_PATH (only the auth endpoints see it),
                   Max-Age = what is left of the session (idle or absolute limit)
    authfort_csrf  readable by scripts, Path=/, same Max-Age as the refresh cookie

All are Secure (unless COOKIE.SECURE is False, for plain-HTTP development),
SameSite from the settings (Lax by default) and scoped to COOKIE.DOMAIN when set
(a parent domain shares them with sibling services).

CSRF: a browser attaches cookies to cross-site requests, so a request that is
authenticated by cookie with an unsafe method must also carry the CSRF cookie's
value in the CSRF header (double submit). A foreign page can neither read the
cookie nor set a custom header without a CORS preflight. Bearer clients never
send cookies and are not affected.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from rest_framework.exceptions import PermissionDenied

from authfort_django.conf import authfort_settings
from authfort_django.tokens.pairs import TokenPair

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_EPOCH = "Thu, 01 Jan 1970 00:00:00 GMT"


class CSRFFailed(PermissionDenied):
    default_code = "csrf_failed"

    def __init__(self, header: str) -> None:
        super().__init__(
            f"This request is authenticated by cookie, so it must send the value of the "
            f"CSRF cookie in the {header} header.",
            self.default_code,
        )


def enabled() -> bool:
    return bool(authfort_settings.COOKIE["ENABLED"])


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
    common = _common(conf)
    response.set_cookie(
        conf["ACCESS_NAME"], pair.access.token, max_age=pair.access.expires_in, path="/", httponly=True, **common
    )
    response.set_cookie(
        conf["REFRESH_NAME"],
        pair.refresh_token,
        max_age=pair.refresh_expires_in,
        path=conf["REFRESH_PATH"],
        httponly=True,
        **common,
    )
    # A fresh value per pair: nothing a page obtained before login stays valid after it.
    response.set_cookie(
        conf["CSRF_NAME"], secrets.token_urlsafe(32), max_age=pair.refresh_expires_in, path="/", **common
    )


def clear_token_cookies(response: HttpResponse) -> None:
    """Expire all three cookies, with the attributes they were set with (else browsers keep them)."""
    if not enabled():
        return
    conf = authfort_settings.COOKIE
    common = _common(conf)
    for name, path, httponly in (
        (conf["ACCESS_NAME"], "/", True),
        (conf["REFRESH_NAME"], conf["REFRESH_PATH"], True),
        (conf["CSRF_NAME"], "/", False),
    ):
        response.set_cookie(name, "", max_age=0, expires=_EPOCH, path=path, httponly=httponly, **common)


def access_token_from(request: HttpRequest) -> str | None:
    if not enabled():
        return None
    return request.COOKIES.get(authfort_settings.COOKIE["ACCESS_NAME"]) or None


def refresh_token_from(request: HttpRequest) -> str | None:
    if not enabled():
        return None
    return request.COOKIES.get(authfort_settings.COOKIE["REFRESH_NAME"]) or None


def check_csrf(request: HttpRequest) -> None:
    """For a cookie-authenticated request: raise CSRFFailed (403) unless the header echoes the cookie.

    Safe methods pass. The comparison is constant-time.
    """
    if request.method in SAFE_METHODS:
        return
    conf = authfort_settings.COOKIE
    cookie = request.COOKIES.get(conf["CSRF_NAME"], "")
    header = request.headers.get(conf["CSRF_HEADER"], "")
    if not cookie or not header:
        raise CSRFFailed(conf["CSRF_HEADER"])
    if not hmac.compare_digest(cookie.encode("utf-8", "surrogatepass"), header.encode("utf-8", "surrogatepass")):
        raise CSRFFailed(conf["CSRF_HEADER"])
