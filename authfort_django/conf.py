"""Typed access to the `AUTHFORT` settings dict, read at use time.

Values are looked up on every access (a dict lookup), never cached at import,
so `override_settings` and per-deployment settings both simply work.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

DEFAULTS: dict[str, Any] = {
    "ISSUER": "http://127.0.0.1:8000",
    "AUDIENCE": "authfort",
    "CLIENT_ID": "authfort",
    "ACCESS_TOKEN_TTL": 15 * 60,
    # Bytes; at most 4096 (a browser cookie's limit, check authfort.E013). A token over it is
    # refused (a role grant that would cause one gets 400 token_too_large), never cut short.
    "ACCESS_TOKEN_MAX_BYTES": 4096,
    "REFRESH_TOKEN_TTL": 30 * 24 * 3600,
    "REFRESH_IDLE_TTL": 7 * 24 * 3600,
    "ALGORITHM": "RS256",
    "RSA_KEY_SIZE": 2048,
    # A new key is published this long before it signs. It must exceed how long any
    # consumer (JWKS_MAX_AGE) or auth-server process (KEY_CACHE_TTL) may hold an old set.
    "PUBLISH_AHEAD": 3600,
    "JWKS_MAX_AGE": 300,
    "LEEWAY": 30,
    "KEY_CACHE_TTL": 30,
    "KEY_ENCRYPTION_KEYS": [],
    "INTROSPECTION_SECRETS": [],
    "REGISTRATION_OPEN": True,
    "DEFAULT_ROLES": [],
    "EXTRA_CLAIMS": None,
    "COOKIE": {},
    "THROTTLE_RATES": {},
    # Per-address throttles count an IPv6 client by its network of this many bits (api/client.py).
    "THROTTLE_IPV6_PREFIX": 64,
    # Account recovery and verification (see recovery.py). Links in mails are built from
    # FRONTEND_URL only, never from the request's Host header; unset, no link is sent.
    "FRONTEND_URL": None,
    "PASSWORD_RESET_PATH": "/reset-password?token={token}",
    "VERIFY_EMAIL_PATH": "/verify-email?token={token}",
    "PASSWORD_RESET_TTL": 3600,
    "EMAIL_VERIFICATION_TTL": 3 * 24 * 3600,
    "REQUIRE_VERIFIED_EMAIL": False,
    # False: no mail is sent; receivers of the *_requested signals deliver the link.
    "SEND_ACCOUNT_EMAILS": True,
    # Who may read /metrics: "off", "open" or addresses/networks (authfort_django/metrics/access.py).
    "METRICS_ACCESS": ["127.0.0.1", "::1"],
    # Multi-factor authentication (authfort_django/mfa/). A pending second factor
    # (`mfa_token`) and a passkey challenge live MFA_TOKEN_TTL seconds; MFA_MAX_ATTEMPTS
    # codes may be tried on one mfa_token. TOTP_ISSUER names the account in authenticator
    # apps (default: WEBAUTHN_RP_NAME). WebAuthn: the RP ID is a host name (default: the
    # ISSUER's host), ORIGINS the pages allowed to use passkeys (default: the ISSUER's
    # origin); check authfort.E014 refuses an origin outside the RP ID.
    "MFA_TOKEN_TTL": 300,
    "MFA_MAX_ATTEMPTS": 5,
    "TOTP_ISSUER": None,
    "WEBAUTHN_RP_ID": None,
    "WEBAUTHN_RP_NAME": "AuthFort",
    "WEBAUTHN_ORIGINS": [],
    # True: a staff user without a second factor may only set one up. Their API token
    # reaches only the MFA setup endpoints, /auth/me and /auth/logout (403
    # mfa_setup_required elsewhere), and the Django admin refuses them (mfa/policy.py).
    "REQUIRE_MFA_FOR_STAFF": False,
    # Federated and passwordless sign-in (authfort_django/federation/).
    # {name: {"ISSUER" | "PRESET", "CLIENT_ID", "CLIENT_SECRET", "SCOPES", "TRUST_EMAIL", ...}}:
    # see federation/providers.py.
    "PROVIDERS": {},
    # Where a browser may be sent after a provider's sign-in: exact scheme, host and port,
    # and a path prefix. Nothing else is ever a redirect target.
    "REDIRECT_ALLOWLIST": [],
    "OAUTH_STATE_TTL": 600,
    "OAUTH_EXCHANGE_CODE_TTL": 60,
    "OAUTH_COOKIE_NAME": "authfort_oauth",
    # Seconds for one request to a provider (discovery, token, JWKS, user API).
    "PROVIDER_TIMEOUT": 5,
    # A native app's ID token must have been issued within this many seconds.
    "ID_TOKEN_MAX_AGE": 600,
    # Magic links and mailed codes; an unknown address gets an account only with PASSWORDLESS_SIGNUP.
    "PASSWORDLESS_SIGNUP": False,
    "MAGIC_LINK_PATH": "/magic-link?token={token}",
    "MAGIC_LINK_TTL": 900,
    "EMAIL_CODE_TTL": 600,
    "EMAIL_CODE_DIGITS": 6,
    "EMAIL_CODE_MAX_ATTEMPTS": 5,
    # Service clients (authfort_django/clients/): a private_key_jwt assertion may expire
    # at most this many seconds ahead (its jti is remembered that long).
    "CLIENT_ASSERTION_MAX_LIFETIME": 300,
}

COOKIE_DEFAULTS: dict[str, Any] = {
    "ENABLED": False,
    "DOMAIN": None,
    "SECURE": True,
    "SAMESITE": "Lax",
    "ACCESS_NAME": "access_token",
    "REFRESH_NAME": "refresh_token",
    "CSRF_NAME": "authfort_csrf",
    "CSRF_HEADER": "X-CSRF-Token",
    "REFRESH_PATH": "/auth/",
}

THROTTLE_DEFAULTS: dict[str, str | None] = {
    "login": "20/min",
    "login_account": "10/min",
    "register": "10/hour",
    "refresh": "60/min",
    "introspect": "6000/min",
    "password_reset": "10/hour",
    "password_reset_email": "5/hour",
    "password_reset_confirm": "30/hour",
    "verify_email": "10/hour",
    "verify_email_account": "5/hour",
    "verify_email_confirm": "30/hour",
    # Federated and passwordless sign-in: the redirects per IP; mails per IP and per address.
    "oauth": "60/min",
    "magic_link": "10/hour",
    "magic_link_email": "5/hour",
    "email_code": "10/hour",
    "email_code_email": "5/hour",
    # POST /auth/token per address and per client_id presented (failed attempts count),
    # and POST /auth/revoke per address. A client caches its token (verifier_client's
    # ClientCredentials), so a handful of requests per lifetime is normal.
    "token": "300/min",
    "token_client": "60/min",
    "revoke": "60/min",
}

SUPPORTED_ALGORITHMS = ("RS256", "ES256", "EdDSA")


class AppSettings:
    """`authfort_settings.ACCESS_TOKEN_TTL` etc.; see DEFAULTS for every key."""

    def _get(self, name: str) -> Any:
        user = getattr(settings, "AUTHFORT", None) or {}
        if not isinstance(user, Mapping):  # reported by check authfort.E010; the defaults apply
            return DEFAULTS[name]
        return user.get(name, DEFAULTS[name])

    def __getattr__(self, name: str) -> Any:
        if name not in DEFAULTS:
            raise AttributeError(f"AUTHFORT has no setting {name!r}")
        return self._get(name)

    # Keys whose value needs shaping get properties.

    @property
    def AUDIENCE(self) -> str | None:  # noqa: N802 - settings are upper case
        audience = self._get("AUDIENCE")
        return audience or None

    @property
    def COOKIE(self) -> Mapping[str, Any]:  # noqa: N802
        return {**COOKIE_DEFAULTS, **(self._get("COOKIE") or {})}

    @property
    def THROTTLE_RATES(self) -> Mapping[str, str | None]:  # noqa: N802
        return {**THROTTLE_DEFAULTS, **(self._get("THROTTLE_RATES") or {})}

    @property
    def INTROSPECTION_SECRETS(self) -> list[str]:  # noqa: N802
        return [s for s in self._get("INTROSPECTION_SECRETS") or [] if s]

    @property
    def KEY_ENCRYPTION_KEYS(self) -> list[str]:  # noqa: N802
        """Explicit keys, or one derived from SECRET_KEY (a check warns about that in production)."""
        keys = [k for k in self._get("KEY_ENCRYPTION_KEYS") or [] if k]
        return keys or [f"authfort-derived:{settings.SECRET_KEY}"]

    @property
    def extra_claims_hook(self) -> Callable[..., Mapping[str, Any]] | None:
        path = self._get("EXTRA_CLAIMS")
        return import_string(path) if path else None


authfort_settings = AppSettings()
