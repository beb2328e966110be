"""The WebAuthn relying party: its ID, its name and the origins allowed to use passkeys.

Defaults follow the ISSUER (its host is the RP ID, its origin the one allowed
origin), so a server whose pages live on its own origin needs no setting. Browsers
refuse an RP ID that is not the page's host or a parent of it; check authfort.E014
says so at start-up rather than at the first sign-in.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from authfort_django.conf import authfort_settings


def _issuer_parts() -> tuple[str, str]:
    parts = urlsplit(str(authfort_settings.ISSUER))
    host = parts.hostname or "localhost"
    return host, f"{parts.scheme}://{parts.netloc}"


def rp_id() -> str:
    return str(authfort_settings.WEBAUTHN_RP_ID or _issuer_parts()[0])


def rp_name() -> str:
    return str(authfort_settings.WEBAUTHN_RP_NAME or rp_id())


def origins() -> list[str]:
    configured = [o.rstrip("/") for o in authfort_settings.WEBAUTHN_ORIGINS or [] if o]
    return configured or [_issuer_parts()[1]]


def origin_problems(rp: str, allowed: list[str]) -> list[str]:
    """Why each origin in `allowed` cannot use passkeys of `rp` (empty when all can)."""
    problems = []
    for origin in allowed:
        parts = urlsplit(origin)
        host = (parts.hostname or "").lower()
        if parts.scheme not in ("https", "http") or not host or parts.path not in ("", "/"):
            problems.append(f"{origin!r} is not an origin (scheme://host[:port])")
        elif host != rp.lower() and not host.endswith("." + rp.lower()):
            problems.append(f"{origin!r} is not {rp!r} nor one of its subdomains")
    return problems
