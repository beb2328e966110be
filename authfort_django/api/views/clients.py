"""OAuth endpoints for service clients: POST /auth/token (RFC 6749 §4.4) and POST
/auth/revoke (RFC 7009).

Plain Django views, not DRF: OAuth fixes their wire format (form-encoded in,
`{"error", "error_description"}` out, RFC 6749 §5.2), which differs from the rest
of the API's `{"detail", "code"}`, and both need the raw form to refuse repeated
parameters. Every answer is `Cache-Control: no-store`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from authfort_django.api import throttling
from authfort_django.api.client import request_context
from authfort_django.api.oauth_requests import OAuthForm, presented_client_id, presented_credentials, read_form
from authfort_django.clients.authentication import authenticate_client, record_failure
from authfort_django.clients.errors import (
    ClientAuthenticationFailed,
    InvalidClient,
    InvalidRequest,
    OAuthError,
    UnsupportedGrantType,
)
from authfort_django.clients.grant import client_credentials
from authfort_django.clients.revocation import revoke as revoke_token
from authfort_django.conf import authfort_settings
from authfort_django.keys.store import NoSigningKey
from authfort_django.models import Client
from authfort_django.request_context import RequestContext

CLIENT_CREDENTIALS = "client_credentials"
# RFC 6749 §5.2: invalid_client is a 401 naming the scheme the client may use.
CLIENT_CHALLENGE = 'Basic realm="authfort"'
RETRY_AFTER_SECONDS = 30


def oauth_error(error: str, description: str, status: int = 400) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    if status == 401:
        response["WWW-Authenticate"] = CLIENT_CHALLENGE
    return _no_store(response)


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response


def _answer(error: OAuthError) -> JsonResponse:
    return oauth_error(error.code, error.detail, 401 if isinstance(error, InvalidClient) else 400)


def _throttled(throttle: Any) -> JsonResponse:
    wait = throttle.wait()
    seconds = int(wait) + 1 if wait is not None else 1
    # RFC 6749 has no code for rate limits; temporarily_unavailable (its registry's
    # "try again later") with a 429 and Retry-After is what clients retry on.
    response = oauth_error(
        "temporarily_unavailable", f"Too many requests. Try again in {seconds} seconds.", status=429
    )
    response["Retry-After"] = str(seconds)
    return response


def _absolute(url_name: str) -> str:
    return authfort_settings.ISSUER.rstrip("/") + reverse(url_name)


def assertion_audiences(*url_names: str) -> list[str]:
    """What a private_key_jwt assertion's `aud` may name here: the issuer or the endpoint's URL
    (RFC 7523 §3 names the token endpoint; draft rfc7523bis the issuer)."""
    return [authfort_settings.ISSUER, *(_absolute(name) for name in url_names)]


def _post_only(request: HttpRequest) -> JsonResponse | None:
    if request.method == "POST":
        return None
    response = oauth_error("invalid_request", "Use POST with a form-encoded body.", status=405)
    response["Allow"] = "POST"
    return response


def authenticate(
    request: HttpRequest, form: OAuthForm, context: RequestContext, *url_names: str, required: bool = True
) -> Client | None:
    """The client the request authenticates as (None when `required` is False and it sent nothing).

    Raises an OAuthError; every refusal is audited.
    """
    try:
        presented = presented_credentials(request, form)
    except ClientAuthenticationFailed as failure:
        record_failure(failure, method="unreadable", client_id=form.get("client_id"), context=context)
        raise
    if presented is None:
        if not required:
            return None
        failure = ClientAuthenticationFailed(
            "no_credentials",
            client_id=form.get("client_id") or "",
            detail="Authenticate the client: HTTP Basic with client_id:client_secret, client_id and "
            "client_secret in the form, or a private_key_jwt client_assertion.",
        )
        record_failure(failure, method="none", context=context)
        raise failure
    return authenticate_client(presented, audiences=assertion_audiences(*url_names), context=context)


@csrf_exempt
@transaction.non_atomic_requests
def token(request: HttpRequest) -> HttpResponse:
    """POST /auth/token: the client credentials grant."""
    refusal = _post_only(request)
    if refusal is not None:
        return refusal
    by_address = throttling.TokenIPThrottle()
    if not by_address.allow_request(request, None):
        return _throttled(by_address)
    context = request_context(request)
    try:
        form = read_form(request)
        setattr(request, throttling.TokenClientThrottle.ATTRIBUTE, presented_client_id(request, form))
        by_client = throttling.TokenClientThrottle()
        if not by_client.allow_request(request, None):
            return _throttled(by_client)
        grant_type = form.get("grant_type")
        if grant_type is None:
            raise InvalidRequest("The grant_type parameter is missing; send grant_type=client_credentials.")
        if grant_type != CLIENT_CREDENTIALS:
            raise UnsupportedGrantType()
        resources, audiences = form.all("resource"), form.all("audience")
        if resources and audiences:
            raise InvalidRequest("Send either resource or audience, not both.")
        client = authenticate(request, form, context, "authfort:token")
        assert client is not None
        issued = client_credentials(client, scope=form.get("scope"), audiences=resources or audiences, context=context)
    except OAuthError as error:
        return _answer(error)
    except RequestDataTooBig:
        return oauth_error("invalid_request", "The request body is larger than this server accepts.", status=413)
    except NoSigningKey as missing:
        response = oauth_error("temporarily_unavailable", f"No signing key is available. {missing.hint}", status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return _no_store(
        JsonResponse(
            {
                "access_token": issued.token,
                "token_type": "Bearer",
                "expires_in": issued.expires_in,
                "scope": issued.scope,
            }
        )
    )


@csrf_exempt
@transaction.non_atomic_requests
def revoke(request: HttpRequest) -> HttpResponse:
    """POST /auth/revoke (RFC 7009): 200 for anything but a malformed request or a refused client."""
    refusal = _post_only(request)
    if refusal is not None:
        return refusal
    by_address = throttling.RevokeIPThrottle()
    if not by_address.allow_request(request, None):
        return _throttled(by_address)
    context = request_context(request)
    try:
        form = read_form(request)
        raw = form.get("token")
        if raw is None:
            raise InvalidRequest("The token parameter is missing: send token=<the token to revoke>.")
        # token_type_hint is optional and only a hint (RFC 7009 §2.1): every kind is tried.
        client = authenticate(request, form, context, "authfort:revoke", required=False)
        revoke_token(raw, client=client, context=context)
    except OAuthError as error:
        return _answer(error)
    except RequestDataTooBig:
        return oauth_error("invalid_request", "The request body is larger than this server accepts.", status=413)
    return _no_store(HttpResponse(status=200))


# What the schema-completeness test walks (the other plain views are GET/HEAD only).
token.http_methods = ("post",)  # type: ignore[attr-defined]
revoke.http_methods = ("post",)  # type: ignore[attr-defined]
