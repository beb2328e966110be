"""Every request this server makes to a provider: bounded, JSON only, never redirected.

A provider that is down, slow, answers HTML or sends a huge body gets the caller a
clear error (ProviderUnavailable: 503, ProviderBadResponse: 502), never a 500 and
never a hung worker. Plain http is allowed only to a literal loopback host (tests,
a provider on the same machine).
"""

from __future__ import annotations

import ipaddress
import json
import logging
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.integrations.requests_client import OAuth2Session

from authfort_django.conf import authfort_settings
from authfort_django.federation import errors

logger = logging.getLogger("authfort.federation")

MAX_RESPONSE_BYTES = 256 * 1024


def is_secure_url(url: object) -> bool:
    """https://, or http:// to 127.0.0.0/8, ::1 or `localhost` written as such."""
    if not isinstance(url, str):
        return False
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    if not host or parts.username or parts.password:
        return False
    if parts.scheme == "https":
        return True
    if parts.scheme != "http":
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def timeout() -> float:
    return float(authfort_settings.PROVIDER_TIMEOUT)


def _read_capped(response: requests.Response) -> bytes:
    body = response.raw.read(MAX_RESPONSE_BYTES + 1, decode_content=True)
    response.close()
    if len(body) > MAX_RESPONSE_BYTES:
        raise errors.ProviderBadResponse()
    return body


def parse_json(response: requests.Response) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        logger.warning("provider answered %s with no JSON (%s)", response.status_code, response.headers.get("Content-Type"))
        raise errors.ProviderBadResponse() from None


def get_json(url: str, *, headers: dict[str, str] | None = None) -> Any:
    """GET `url` and its JSON document; a status other than 200 is a bad response (503 if 5xx)."""
    response = ProviderSession().request("GET", url, withhold_token=True, headers=headers)
    if response.status_code >= 500:
        raise errors.ProviderUnavailable()
    if response.status_code != 200:
        logger.warning("provider answered %s for %s", response.status_code, url)
        raise errors.ProviderBadResponse()
    return parse_json(response)


class ProviderSession(OAuth2Session):
    """Authlib's OAuth 2.0 client (authorization URL, PKCE, code exchange, token auth)
    over the bounded transport above."""

    def request(self, method: str, url: str, withhold_token: bool = False, auth: Any = None, **kwargs: Any):  # type: ignore[no-untyped-def, override]
        kwargs.setdefault("timeout", timeout())
        if not is_secure_url(url):
            logger.error("provider URL refused (https only, http for loopback): %s", url)
            raise errors.ProviderNotConfigured()
        kwargs.update(allow_redirects=False, stream=True)
        kwargs["headers"] = {"Accept": "application/json", "Accept-Encoding": "identity", **(kwargs.get("headers") or {})}
        try:
            response = super().request(method, url, withhold_token=withhold_token, auth=auth, **kwargs)
            body = _read_capped(response)
        except errors.FederationError:
            raise
        except (requests.Timeout, requests.ConnectionError) as error:
            logger.warning("provider unreachable at %s: %s", url, type(error).__name__)
            raise errors.ProviderUnavailable() from None
        except requests.RequestException as error:
            logger.warning("provider request to %s failed: %s", url, type(error).__name__)
            raise errors.ProviderBadResponse() from None
        # The body is already read (capped): `.json()` and `.text` serve it from here.
        response._content = body  # noqa: SLF001 - requests' own place for a read body
        response._content_consumed = True  # noqa: SLF001
        return response
