"""Plain http is for loopback only, and loopback means a literal loopback address or
the exact name `localhost`: both clients and the settings checks apply one rule
(`verifier_client._transport.check_url`)."""

from __future__ import annotations

import pytest
from verifier_client import IntrospectionClient, JWKSClient
from verifier_client._settings import find_problems

LOOPBACK = [
    "http://127.0.0.1:8000/p",
    "http://127.9.9.9/p",
    "http://127.255.255.254/p",
    "http://[::1]:8000/p",
    "http://[0:0:0:0:0:0:0:1]/p",
    "http://localhost/p",
    "http://LOCALHOST:8000/p",
    "http://LocalHost./p",  # the trailing dot names the same host
]
NOT_LOOPBACK = [
    "http://foo.localhost/p",  # a name under localhost: the resolver decides, not us
    "http://localhost.evil.com/p",
    "http://localhost.localdomain/p",
    "http://127.0.0.1.nip.io/p",  # a public name that resolves to 127.0.0.1
    # Numbers that only a permissive resolver (inet_aton) reads as 127.0.0.1. Refused:
    # the check would have to agree with every resolver's reading of them, and no
    # one needs to spell loopback that way.
    "http://0x7f.1/p",
    "http://2130706433/p",
    "http://127.1/p",
    "http://0177.0.0.1/p",
    "http://127.0.0.1./p",
    "http://[::ffff:127.0.0.1]/p",  # IPv4-mapped: left to the stack's dual-stack policy
    "http://[::1%25lo]/p",  # a zone id
    "http://[127.0.0.1]/p",  # brackets are for IPv6
    "http://128.0.0.1/p",
    "http://10.0.0.1/p",
    "http://0.0.0.0/p",
    "http://127.0.0.1:80@evil.com/p",  # userinfo: the host is evil.com
]


@pytest.mark.parametrize("url", LOOPBACK)
def test_plain_http_to_a_literal_loopback_host_is_accepted(url):
    assert JWKSClient(url).url == url
    assert IntrospectionClient(url, "secret").url == url


@pytest.mark.parametrize("url", NOT_LOOPBACK)
def test_plain_http_to_any_other_spelling_is_refused(url):
    with pytest.raises(ValueError, match="loopback"):
        JWKSClient(url)
    with pytest.raises(ValueError, match="loopback"):
        IntrospectionClient(url, "secret")


@pytest.mark.parametrize("url", NOT_LOOPBACK)
def test_settings_report_the_same_refusal_as_e005(url):
    values = {"JWKS_URL": url, "ISSUER": "https://auth.example.com", "AUDIENCE": "orders"}

    problems = find_problems(values, "VERIFIER_CLIENT")

    assert [problem.id for problem in problems] == ["E005"]


@pytest.mark.parametrize("url", LOOPBACK)
def test_settings_accept_loopback_without_a_warning(url):
    values = {"JWKS_URL": url, "ISSUER": "https://auth.example.com", "AUDIENCE": "orders"}

    assert find_problems(values, "VERIFIER_CLIENT") == []


@pytest.mark.parametrize("url", ["http://foo.localhost/p", "http://2130706433/p"])
def test_with_allow_insecure_http_a_non_loopback_host_is_a_warning_not_loopback(url):
    values = {"JWKS_URL": url, "ISSUER": "https://auth.example.com", "AUDIENCE": "orders", "ALLOW_INSECURE_HTTP": True}

    problems = find_problems(values, "VERIFIER_CLIENT")

    assert [problem.id for problem in problems] == ["W001"]
