"""Who the provider says the user is, whatever kind of provider it is.

OpenID Connect: the verified ID token's claims, and the userinfo endpoint for the
address when the token carries none (its `sub` must be the token's). GitHub (plain
OAuth 2.0): its user API for the id and name, and its emails API for the primary,
verified address (GitHub's docs: GET /user, GET /user/emails).
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from authfort_django.federation import errors, http
from authfort_django.federation.providers import Provider


@dataclass(frozen=True)
class Profile:
    provider: str
    subject: str
    email: str  # as the provider wrote it; "" when it gave none
    email_verified: bool
    name: str


def _verified(value: Any) -> bool:
    # Some providers send "true" as a string (older Cognito, some ADFS): accepted as such.
    return value is True or value == "true"


def _text(value: Any, limit: int) -> str:
    return value[:limit] if isinstance(value, str) else ""


def from_claims(provider: Provider, claims: Mapping[str, Any]) -> Profile:
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255:
        raise errors.IdTokenInvalid("The ID token's sub is not a usable identifier.")
    return Profile(
        provider=provider.name,
        subject=subject,
        email=_text(claims.get("email"), 254),
        email_verified=_verified(claims.get("email_verified")),
        name=_text(claims.get("name"), 150),
    )


def with_userinfo(provider: Provider, profile: Profile, session: http.ProviderSession, userinfo_url: str | None) -> Profile:
    """`profile` completed from the userinfo endpoint when the ID token had no address."""
    if profile.email or not userinfo_url:
        return profile
    info = http.parse_json(_ok(session.get(userinfo_url)))
    if not isinstance(info, dict) or not hmac.compare_digest(str(info.get("sub", "")), profile.subject):
        raise errors.ProviderBadResponse()  # OIDC Core §5.3.2: a userinfo sub that differs is discarded
    return Profile(
        provider=profile.provider,
        subject=profile.subject,
        email=_text(info.get("email"), 254),
        email_verified=_verified(info.get("email_verified")),
        name=profile.name or _text(info.get("name"), 150),
    )


def _ok(response: Any) -> Any:
    if response.status_code >= 500:
        raise errors.ProviderUnavailable()
    if response.status_code != 200:
        raise errors.ProviderBadResponse()
    return response


def from_github(provider: Provider, session: http.ProviderSession) -> Profile:
    """GitHub's user and its primary verified address (none when it has no verified one)."""
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    user = http.parse_json(_ok(session.get(f"{provider.api_url}/user", headers=headers)))
    if not isinstance(user, dict) or type(user.get("id")) is not int:
        raise errors.ProviderBadResponse()
    emails = http.parse_json(_ok(session.get(f"{provider.api_url}/user/emails", headers=headers)))
    if not isinstance(emails, list):
        raise errors.ProviderBadResponse()
    primary = next(
        (e for e in emails if isinstance(e, dict) and e.get("primary") is True and e.get("verified") is True), None
    )
    return Profile(
        provider=provider.name,
        subject=str(user["id"]),
        email=_text(primary.get("email"), 254) if primary else "",
        email_verified=primary is not None,
        name=_text(user.get("name"), 150) or _text(user.get("login"), 150),
    )
