"""Reading an OAuth request (RFC 6749 §2.3, §3.2) off HTTP: the form, strictly, and the
client's credentials, whichever of the three methods it used.

Used by /auth/token, /auth/revoke and /auth/introspect. Rules:
- form-encoded only (a JSON body is refused with a hint, not guessed at);
- each parameter at most once (§3.2), except RFC 8707's `resource`;
- a parameter sent empty counts as not sent (§3.1);
- one authentication method per request (§2.3); credentials never in the URL.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from urllib.parse import unquote_plus

from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest

from authfort_django.clients.assertions import ASSERTION_TYPE
from authfort_django.clients.authentication import (
    PRIVATE_KEY_JWT,
    SECRET_BASIC,
    SECRET_POST,
    PresentedCredentials,
)
from authfort_django.clients.errors import ClientAuthenticationFailed, InvalidRequest

FORM_TYPE = "application/x-www-form-urlencoded"
REPEATABLE = frozenset({"resource"})
CREDENTIAL_PARAMETERS = ("client_secret", "client_assertion", "client_assertion_type")
MAX_PARAMETER_LENGTH = 8192


class OAuthForm:
    """The request's parameters: `get(name)` (one value or None) and `all(name)` (repeatable ones)."""

    def __init__(self, values: Mapping[str, list[str]]) -> None:
        self._values = values

    def get(self, name: str) -> str | None:
        values = self._values.get(name) or []
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return list(self._values.get(name) or [])


def read_form(request: HttpRequest) -> OAuthForm:
    """The POSTed form; InvalidRequest saying what is wrong with it (RequestDataTooBig passes through)."""
    content_type = request.content_type or ""
    if content_type != FORM_TYPE:
        sent = f" (this request is {content_type})" if content_type else ""
        raise InvalidRequest(
            f"Send the parameters form-encoded, Content-Type: {FORM_TYPE}{sent}. "
            "OAuth token endpoints do not read JSON (RFC 6749 §3.2)."
        )
    for name in CREDENTIAL_PARAMETERS:
        if name in request.GET:
            raise InvalidRequest(f"{name} must be sent in the request body, never in the URL.")
    try:
        post = request.POST
    except TooManyFieldsSent:
        raise InvalidRequest("The request has more parameters than this server reads.") from None
    values: dict[str, list[str]] = {}
    for name, sent in post.lists():
        kept = [value for value in sent if value != ""]  # empty means omitted (RFC 6749 §3.1)
        if not kept:
            continue
        if len(kept) > 1 and name not in REPEATABLE:
            raise InvalidRequest(f"The parameter {name} is sent more than once; send it once (RFC 6749 §3.2).")
        for value in kept:
            if len(value) > MAX_PARAMETER_LENGTH:
                raise InvalidRequest(f"The parameter {name} is longer than {MAX_PARAMETER_LENGTH} characters.")
        values[name] = kept
    return OAuthForm(values)


def presented_credentials(request: HttpRequest, form: OAuthForm) -> PresentedCredentials | None:
    """The client's credentials, or None when it sent none.

    InvalidRequest for two methods at once; ClientAuthenticationFailed for a
    malformed Basic header or an unknown assertion type.
    """
    found: list[PresentedCredentials] = []
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        found.append(_from_basic_header(header))
    if form.get("client_secret") is not None:
        found.append(PresentedCredentials(SECRET_POST, form.get("client_id"), secret=form.get("client_secret")))
    if form.get("client_assertion") is not None or form.get("client_assertion_type") is not None:
        found.append(_from_assertion(form))
    if len(found) > 1:
        raise InvalidRequest(
            "The request uses more than one client authentication method; use exactly one "
            "(HTTP Basic, client_secret in the body, or client_assertion) (RFC 6749 §2.3)."
        )
    return found[0] if found else None


def presented_client_id(request: HttpRequest, form: OAuthForm) -> str | None:
    """The client_id a request names, before any check: for the per-client throttle only."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header:
        try:
            return _from_basic_header(header).client_id
        except ClientAuthenticationFailed:
            return None
    return form.get("client_id")


def _from_basic_header(header: str) -> PresentedCredentials:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        raise ClientAuthenticationFailed(
            "unsupported_scheme",
            detail="Authenticate the client with HTTP Basic (client_id:client_secret), the form's "
            "client_secret, or a client_assertion; no other Authorization scheme is read here.",
        )
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        decoded = None
    if decoded is None or ":" not in decoded:
        raise ClientAuthenticationFailed(
            "malformed_basic",
            detail="The Basic credentials must be base64 of client_id:client_secret, each form-encoded (RFC 6749 §2.3.1).",
        )
    client_id, _, secret = decoded.partition(":")
    return PresentedCredentials(SECRET_BASIC, unquote_plus(client_id), secret=unquote_plus(secret))


def _from_assertion(form: OAuthForm) -> PresentedCredentials:
    assertion_type = form.get("client_assertion_type")
    if assertion_type != ASSERTION_TYPE:
        raise ClientAuthenticationFailed(
            "unsupported_assertion_type",
            client_id=form.get("client_id") or "",
            detail=f"Send client_assertion_type={ASSERTION_TYPE} with a client_assertion (RFC 7523 §2.2).",
        )
    if form.get("client_assertion") is None:
        raise ClientAuthenticationFailed(
            "assertion_missing", client_id=form.get("client_id") or "",
            detail="client_assertion_type was sent without a client_assertion.",
        )
    return PresentedCredentials(PRIVATE_KEY_JWT, form.get("client_id"), assertion=form.get("client_assertion"))
