"""The sign-in providers of AUTHFORT["PROVIDERS"], with presets for Google, Microsoft and GitHub.

    AUTHFORT["PROVIDERS"] = {
        "google": {"PRESET": "google", "CLIENT_ID": "...", "CLIENT_SECRET": "..."},
        "corp": {"ISSUER": "https://idp.example.com", "CLIENT_ID": "...", "CLIENT_SECRET": "...",
                 "TRUST_EMAIL": True},
        "github": {"PRESET": "github", "CLIENT_ID": "...", "CLIENT_SECRET": "..."},
    }

Any OpenID Connect provider works from its `ISSUER` alone (discovery and its JWKS).
Keys of one entry:

    PRESET          "google", "microsoft" (needs TENANT) or "github"; its values are defaults
    ISSUER          the OpenID Connect issuer URL (https; http only for a loopback host)
    CLIENT_ID, CLIENT_SECRET   as registered at the provider
    SCOPES          list (default: openid email profile)
    TRUST_EMAIL     True: a verified address from this provider may sign in to the existing
                    account that uses it. Only for providers that own the mail domains they
                    vouch for or verify addresses (Google, GitHub); never for Microsoft Entra,
                    where a tenant's admin sets any address.
    NATIVE_CLIENT_IDS   more accepted `aud` values for POST /auth/oauth/{name}/id-token
                    (the client ids of your Android and iOS apps)
    REDIRECT_URI    default: ISSUER of this server + /auth/oauth/{name}/callback
    AUTHORIZE_PARAMS    extra query parameters for the provider's authorization page
    ALGORITHMS      accepted ID-token algorithms (default RS256, ES256, PS256)
    GitHub (KIND "github", plain OAuth 2.0): AUTHORIZATION_ENDPOINT, TOKEN_ENDPOINT, API_URL.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from authfort_django.conf import authfort_settings
from authfort_django.federation import errors

OIDC = "oidc"
GITHUB = "github"

PRESETS: dict[str, dict[str, Any]] = {
    "google": {"ISSUER": "https://accounts.google.com", "TRUST_EMAIL": True},
    # Entra's email claim is set by each tenant's admin and is not verified: never trusted
    # to reach an existing account ("nOAuth").
    "microsoft": {"ISSUER": "https://login.microsoftonline.com/{TENANT}/v2.0", "TRUST_EMAIL": False},
    "github": {
        "KIND": GITHUB,
        "AUTHORIZATION_ENDPOINT": "https://github.com/login/oauth/authorize",
        "TOKEN_ENDPOINT": "https://github.com/login/oauth/access_token",
        "API_URL": "https://api.github.com",
        "SCOPES": ["read:user", "user:email"],
        # Only the addresses GitHub marks verified are used (profiles.py).
        "TRUST_EMAIL": True,
    },
}

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")


@dataclass(frozen=True)
class Provider:
    name: str
    kind: str
    client_id: str
    client_secret: str
    scopes: tuple[str, ...]
    trust_email: bool
    redirect_uri: str
    issuer: str = ""
    native_client_ids: tuple[str, ...] = ()
    algorithms: tuple[str, ...] = ("RS256", "ES256", "PS256")
    authorize_params: Mapping[str, str] = field(default_factory=dict)
    authorization_endpoint: str = ""
    token_endpoint: str = ""
    api_url: str = ""

    @property
    def is_oidc(self) -> bool:
        return self.kind == OIDC


def configured() -> Mapping[str, Any]:
    providers = authfort_settings.PROVIDERS
    return providers if isinstance(providers, Mapping) else {}


def get_provider(name: object) -> Provider:
    """The provider called `name`; UnknownProvider when there is none (or the name is no name)."""
    entry = configured().get(name) if isinstance(name, str) and _NAME.fullmatch(name) else None
    if not isinstance(entry, Mapping):
        raise errors.UnknownProvider()
    return build(name, entry)


def build(name: str, entry: Mapping[str, Any]) -> Provider:
    """`entry` over its preset's defaults; ProviderNotConfigured when something needed is missing."""
    preset = entry.get("PRESET")
    values: dict[str, Any] = {**PRESETS.get(preset, {}), **entry} if isinstance(preset, str) else dict(entry)
    kind = values.get("KIND", OIDC)
    issuer = str(values.get("ISSUER") or "")
    if "{TENANT}" in issuer:
        tenant = values.get("TENANT")
        if not isinstance(tenant, str) or not tenant:
            raise errors.ProviderNotConfigured("The microsoft preset needs TENANT: your directory (tenant) id.")
        issuer = issuer.replace("{TENANT}", tenant)
    client_id = values.get("CLIENT_ID")
    if not isinstance(client_id, str) or not client_id or kind not in (OIDC, GITHUB) or (kind == OIDC and not issuer):
        raise errors.ProviderNotConfigured()
    scopes = values.get("SCOPES") or ["openid", "email", "profile"]
    if isinstance(scopes, str):
        scopes = scopes.replace(",", " ").split()
    redirect_uri = values.get("REDIRECT_URI") or (
        f"{str(authfort_settings.ISSUER).rstrip('/')}/auth/oauth/{name}/callback"
    )
    return Provider(
        name=name,
        kind=kind,
        client_id=client_id,
        client_secret=str(values.get("CLIENT_SECRET") or ""),
        scopes=tuple(scopes),
        trust_email=bool(values.get("TRUST_EMAIL", False)),
        redirect_uri=redirect_uri,
        issuer=issuer.rstrip("/") if kind == GITHUB else issuer,
        native_client_ids=tuple(values.get("NATIVE_CLIENT_IDS") or ()),
        algorithms=tuple(values.get("ALGORITHMS") or ("RS256", "ES256", "PS256")),
        authorize_params=dict(values.get("AUTHORIZE_PARAMS") or {}),
        authorization_endpoint=str(values.get("AUTHORIZATION_ENDPOINT") or ""),
        token_endpoint=str(values.get("TOKEN_ENDPOINT") or ""),
        api_url=str(values.get("API_URL") or "").rstrip("/"),
    )
