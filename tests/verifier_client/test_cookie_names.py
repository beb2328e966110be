"""The adapters' CSRF cookie follows the auth server's naming: `authfort_csrf` with the
access cookie's __Host-/__Secure- prefix, unless CSRF_COOKIE_NAME says otherwise."""

from __future__ import annotations

import pytest

from verifier_client import _settings

BASE = {"JWKS_URL": "https://auth.example.com/.well-known/jwks.json", "ISSUER": "https://auth.example.com", "AUDIENCE": "a"}


@pytest.mark.parametrize(
    ("cookie_name", "csrf_name"),
    [
        (None, "authfort_csrf"),
        ("access_token", "authfort_csrf"),
        ("__Secure-access_token", "__Secure-authfort_csrf"),
        ("__Host-access_token", "__Host-authfort_csrf"),
    ],
)
def test_the_csrf_cookie_carries_the_access_cookies_prefix(cookie_name, csrf_name):
    conf = _settings.parse_settings({**BASE, "COOKIE_NAME": cookie_name}, "VERIFIER_CLIENT")

    assert conf.csrf_cookie_name == csrf_name


def test_an_explicit_csrf_cookie_name_wins():
    conf = _settings.parse_settings(
        {**BASE, "COOKIE_NAME": "__Secure-access_token", "CSRF_COOKIE_NAME": "xsrf"}, "VERIFIER_CLIENT"
    )

    assert conf.csrf_cookie_name == "xsrf"
