"""Signing in with a provider: the browser flow (authorize, callback, exchange) and a
native app's ID token. Views call these with plain values and a RequestContext.

Tokens are issued only by sign_in.complete_sign_in. In cookie mode the callback's
view calls it at once and sets the cookies; for bearer clients the callback hands a
60-second single-use code in the redirect, and `exchange` calls it. No token ever
travels in a URL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from authlib.integrations.base_client.errors import OAuthError
from django.core.cache import cache

from authfort_django import audit
from authfort_django.conf import authfort_settings
from authfort_django.exceptions import AuthfortError
from authfort_django.federation import codes, discovery, errors, http, identities, profiles, states
from authfort_django.federation.id_tokens import verify_id_token
from authfort_django.federation.providers import Provider, get_provider
from authfort_django.federation.redirects import allowed_redirect
from authfort_django.federation.sign_in import complete_sign_in
from authfort_django.models import AuthEvent
from authfort_django.request_context import NO_REQUEST, RequestContext
from authfort_django.accounts.login import MFARequired
from authfort_django.mfa import amr as mfa_amr
from authfort_django.mfa import state as mfa_state
from authfort_django.tokens.pairs import TokenPair

# RFC 8176 has no value for "an outside identity provider"; "fed" is ours (§2 allows that).
AMR_PROVIDER = [mfa_amr.FEDERATED]
_MAX_PARAM = 4096


@dataclass(frozen=True)
class AuthorizeRedirect:
    url: str
    browser_secret: str


@dataclass(frozen=True)
class CallbackResult:
    user: Any
    provider: str
    redirect_to: str
    linked: bool
    method: str


@contextmanager
def _audited(method: str, provider: str, context: RequestContext, user: Any = None) -> Iterator[None]:
    """Every refusal of a federated sign-in is a login_failed event with its code."""
    try:
        yield
    except errors.FederationError as refused:
        audit.record(
            AuthEvent.Type.LOGIN_FAILED, user=user, context=context, method=method, provider=provider, reason=refused.code
        )
        raise


def _session(provider: Provider) -> http.ProviderSession:
    return http.ProviderSession(
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        scope=" ".join(provider.scopes),
        redirect_uri=provider.redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic" if provider.is_oidc else "client_secret_post",
    )


def start(
    provider_name: object,
    *,
    redirect_to: object,
    link_user: Any = None,
    browser_secret: str | None = None,
) -> AuthorizeRedirect:
    """The provider's authorization URL (state, nonce, PKCE S256) and this browser's secret."""
    provider = get_provider(provider_name)
    target = allowed_redirect(redirect_to)
    endpoint = discovery.metadata(provider)["authorization_endpoint"]  # a provider that is down: 503 now
    started = states.begin(provider=provider.name, redirect_to=target, link_user=link_user, browser_secret=browser_secret)
    params = dict(provider.authorize_params)
    if provider.is_oidc:
        params["nonce"] = started.nonce
    url, _ = _session(provider).create_authorization_url(
        endpoint, state=started.state, code_verifier=started.code_verifier, **params
    )
    return AuthorizeRedirect(url, started.browser_secret)


def _param(params: Mapping[str, Any], name: str) -> str | None:
    value = params.get(name)
    return value if isinstance(value, str) and 0 < len(value) <= _MAX_PARAM else None


def finish(
    provider_name: object, *, params: Mapping[str, Any], browser_secret: object, context: RequestContext = NO_REQUEST
) -> CallbackResult:
    """Check the callback against its state, trade the code, verify who the user is, and
    find, create or link the account. Tokens are the caller's to issue (complete_sign_in)."""
    provider = get_provider(provider_name)
    method = "oidc" if provider.is_oidc else "oauth2"
    with _audited(method, provider.name, context):
        resumed = states.resume(provider=provider.name, state=params.get("state"), browser_secret=browser_secret)
    record = resumed.record
    link_user = record.link_user
    try:
        with _audited("link" if link_user else method, provider.name, context, user=link_user):
            if params.get("error") is not None:
                raise errors.ProviderDenied()
            code = _param(params, "code")
            if code is None:
                raise errors.ProviderCodeRejected()
            # RFC 9207: an `iss` in the answer must be this provider's (no mix-up between providers).
            iss = params.get("iss")
            if provider.is_oidc and iss is not None and iss != provider.issuer:
                raise errors.ProviderBadResponse("The answer names another issuer than this provider.")
            session = _session(provider)
            token = _trade_code(provider, session, code, resumed.code_verifier)
            if provider.is_oidc:
                claims = verify_id_token(provider, token.get("id_token"), nonce=record.nonce)
                profile = profiles.from_claims(provider, claims)
                profile = profiles.with_userinfo(provider, profile, session, discovery.metadata(provider).get("userinfo_endpoint"))
            else:
                profile = profiles.from_github(provider, session)
            if link_user is not None:
                user = identities.link(link_user, provider, profile, context=context)
            else:
                user = identities.user_for_profile(provider, profile, context=context)
    except AuthfortError as refused:  # audited by _audited (or the step that refused)
        raise errors.CallbackRefused(record.redirect_to, refused) from refused
    return CallbackResult(user, provider.name, record.redirect_to, link_user is not None, method)


def _trade_code(provider: Provider, session: http.ProviderSession, code: str, code_verifier: str) -> Mapping[str, Any]:
    endpoint = discovery.metadata(provider)["token_endpoint"]
    try:
        token = session.fetch_token(endpoint, grant_type="authorization_code", code=code, code_verifier=code_verifier)
    except OAuthError as refused:
        if refused.error in ("invalid_grant", "bad_verification_code", "invalid_request"):
            raise errors.ProviderCodeRejected() from None
        raise errors.ProviderBadResponse() from None
    except ValueError:  # not JSON (an HTML error page, say)
        raise errors.ProviderBadResponse() from None
    if not isinstance(token, Mapping) or not token.get("access_token"):
        raise errors.ProviderBadResponse()
    return token


def sign_in(result: CallbackResult, *, context: RequestContext = NO_REQUEST) -> TokenPair | MFARequired:
    """Cookie mode: the pair for a finished callback, at once."""
    return complete_sign_in(result.user, method=result.method, amr=AMR_PROVIDER, context=context, provider=result.provider)


def needs_second_factor(result: CallbackResult) -> bool:
    """Whether signing in `result.user` will ask for a second factor: the browser then
    goes back with an exchange code even in cookie mode, and the app's exchange gets
    the `mfa_required` answer (an mfa_token never travels in a URL)."""
    return bool(mfa_state.methods(result.user))


def exchange_code_for(result: CallbackResult) -> str:
    """Bearer clients: the single-use code the callback's redirect carries."""
    return codes.issue_exchange_code(result.user, amr=AMR_PROVIDER, provider=result.provider)


def exchange(code: object, *, context: RequestContext = NO_REQUEST) -> TokenPair | MFARequired:
    """The pair for an exchange code (once, within OAUTH_EXCHANGE_CODE_TTL)."""
    with _audited("exchange", "", context):
        record = codes.redeem_exchange_code(code)
    method = "oidc" if record.provider and _is_oidc(record.provider) else "oauth2"
    return complete_sign_in(record.user, method=method, amr=record.amr, context=context, provider=record.provider)


def _is_oidc(name: str) -> bool:
    try:
        return get_provider(name).is_oidc
    except errors.FederationError:
        return True


def sign_in_with_id_token(
    provider_name: object, *, id_token: object, nonce: str | None, context: RequestContext = NO_REQUEST
) -> TokenPair | MFARequired:
    """A native app's sign-in with an ID token from the platform's SDK: verified as in the
    browser flow, for our client id or one of NATIVE_CLIENT_IDS, issued within
    ID_TOKEN_MAX_AGE, and usable once."""
    provider = get_provider(provider_name)
    with _audited("id_token", provider.name, context):
        if not provider.is_oidc:
            raise errors.UnknownProvider("This provider does not issue ID tokens; use the browser flow.")
        max_age = int(authfort_settings.ID_TOKEN_MAX_AGE)
        claims = verify_id_token(
            provider, id_token, nonce=nonce, audiences=(provider.client_id, *provider.native_client_ids), max_age=max_age
        )
        digest = hashlib.sha256(str(id_token).encode("ascii", "replace")).hexdigest()
        if not cache.add(f"authfort:id_token_used:{digest}", 1, timeout=max_age + 120):
            raise errors.IdTokenReused()
        profile = profiles.from_claims(provider, claims)
        user = identities.user_for_profile(provider, profile, context=context)
    return complete_sign_in(user, method="id_token", amr=AMR_PROVIDER, context=context, provider=provider.name)
