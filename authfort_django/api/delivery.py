"""Where a sign-in answer puts the tokens: in cookies or in the JSON body, never both.

Cookie clients (browsers) get the HttpOnly cookies and a body with the user and
`expires_in` only, so a page script (or an XSS payload) never sees a token.
Clients that keep tokens themselves (mobile, CLI, servers) get them in the body
and no cookies. The decision is made here, once, for every view that hands out
a token pair:

- login and register: the request's `token_delivery` ("cookie" or "body");
  without one, "cookie" when cookie mode is on, else "body". Asking for "cookie"
  when cookie mode is off is a 400 (no cookie could be set);
- refresh: a refresh token sent in the body is answered in the body (or in
  cookies, if the client asks for "cookie"); one sent in the refresh cookie is
  answered in cookies only: asking for "body" then is a 400, or any script that
  can send the CSRF header could lift the tokens out of the HttpOnly cookies;
- an authenticated request (password change): as the request authenticated, by
  cookie or by Authorization header.
"""

from __future__ import annotations

from enum import Enum
from typing import Any

from rest_framework import status
from rest_framework.exceptions import APIException

from authfort_django.api import cookies

FIELD = "token_delivery"


class Delivery(str, Enum):
    COOKIE = "cookie"
    BODY = "body"


CHOICES = [choice.value for choice in Delivery]


class TokenDeliveryError(APIException):
    """A `token_delivery` this request cannot have (400); one subclass per reason, each with its code."""

    status_code = status.HTTP_400_BAD_REQUEST


class TokenDeliveryInvalid(TokenDeliveryError):
    default_code = "token_delivery_invalid"
    default_detail = 'token_delivery must be "cookie" or "body". Leave it out for the server\'s default.'


class TokenDeliveryUnavailable(TokenDeliveryError):
    default_code = "token_delivery_unavailable"
    default_detail = (
        'token_delivery "cookie" is not available: this server does not use cookies. '
        'Ask for "body" (or leave the field out) and send the access token as a Bearer header.'
    )


class TokenDeliveryRefused(TokenDeliveryError):
    default_code = "token_delivery_refused"
    default_detail = (
        "A refresh made with the refresh cookie is answered with cookies only: tokens never leave "
        'the HttpOnly cookies. Send {"refresh_token": ...} in the body to get tokens in the body.'
    )


# For the views' domain_errors (the OpenAPI schema lists each 400).
SIGN_IN_ERRORS = (TokenDeliveryInvalid, TokenDeliveryUnavailable)
REFRESH_ERRORS = (*SIGN_IN_ERRORS, TokenDeliveryRefused)


def requested(data: Any) -> Delivery | None:
    """The delivery a JSON body asks for, or None when it does not say (400 when it says nonsense)."""
    if not hasattr(data, "get") or FIELD not in data:
        return None
    value = data.get(FIELD)
    if not isinstance(value, str) or value not in CHOICES:
        raise TokenDeliveryInvalid()
    return Delivery(value)


def server_default() -> Delivery:
    return Delivery.COOKIE if cookies.enabled() else Delivery.BODY


def _possible(delivery: Delivery) -> Delivery:
    if delivery is Delivery.COOKIE and not cookies.enabled():
        raise TokenDeliveryUnavailable()
    return delivery


def for_sign_in(data: Any) -> Delivery:
    """Login and register: what the client asked for, else the server's default."""
    return _possible(requested(data) or server_default())


def for_refresh(data: Any, *, token_from_cookie: bool) -> Delivery:
    """Refresh: cookies for a cookie-borne refresh token, else the body unless "cookie" is asked for."""
    asked = requested(data)
    if token_from_cookie:
        if asked is Delivery.BODY:
            raise TokenDeliveryRefused()
        return Delivery.COOKIE
    return _possible(asked or Delivery.BODY)


def for_authenticated(request: Any) -> Delivery:
    """An authenticated request's answer goes back the way its access token came."""
    return Delivery.COOKIE if getattr(request, "authfort_via_cookie", False) else Delivery.BODY
