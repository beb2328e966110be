"""Per-address throttles count canonical addresses, and IPv6 by network
(AUTHFORT["THROTTLE_IPV6_PREFIX"], default /64): a client that owns a /64 gets
one budget, not 2**64. The audit log keeps every full address."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import RequestFactory

from authfort_django.api.client import throttle_ident
from authfort_django.checks import check_edges
from authfort_django.conf import THROTTLE_DEFAULTS
from authfort_django.models import AuthEvent
from tests.authfort_django.helpers import status_and_code
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN_BUDGET = int(THROTTLE_DEFAULTS["login"].split("/")[0])


@pytest.fixture
def default_rates(authfort):
    authfort(THROTTLE_RATES=dict(THROTTLE_DEFAULTS))


def _login(client, email, address):
    return client.post(
        "/auth/login", {"email": email, "password": "Winter2026!"}, format="json", REMOTE_ADDR=address
    )


def _ident(address: str) -> str:
    return throttle_ident(RequestFactory().get("/", REMOTE_ADDR=address))


@pytest.mark.usefixtures("default_rates")
def test_forty_logins_from_forty_addresses_of_one_64_meet_the_per_address_limit(api_client):
    addresses = [f"2001:db8:abcd:12:{n:x}::{n * 7919 % 65536:x}" for n in range(1, 41)]

    answers = [_login(api_client, f"target{n}@example.com", address) for n, address in enumerate(addresses)]

    assert [status_and_code(r) for r in answers[:LOGIN_BUDGET]] == [(401, "invalid_credentials")] * LOGIN_BUDGET
    assert {status_and_code(r) for r in answers[LOGIN_BUDGET:]} == {(429, "throttled")}
    # The neighbouring /64 is another client with its own budget.
    assert status_and_code(_login(api_client, "other@example.com", "2001:db8:abcd:13::1")) == (
        401, "invalid_credentials",
    )


@pytest.mark.usefixtures("default_rates")
def test_spellings_of_one_ipv6_address_share_a_bucket(authfort, api_client):
    authfort(THROTTLE_IPV6_PREFIX=128, THROTTLE_RATES={**THROTTLE_DEFAULTS, "login": "3/min"})
    spellings = ["2001:db8::1", "2001:DB8::1", "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8:0:0::0:1"]

    answers = [_login(api_client, f"t{n}@example.com", address) for n, address in enumerate(spellings)]

    assert [r.status_code for r in answers] == [401, 401, 401, 429]


@pytest.mark.usefixtures("default_rates")
def test_an_ipv4_mapped_address_is_its_ipv4_client(authfort, api_client):
    authfort(THROTTLE_RATES={**THROTTLE_DEFAULTS, "login": "2/min"})

    answers = [_login(api_client, f"t{n}@example.com", a) for n, a in enumerate(["192.0.2.7", "::ffff:192.0.2.7", "::FFFF:c000:207"])]

    assert [r.status_code for r in answers] == [401, 401, 429]


@pytest.mark.usefixtures("default_rates")
def test_audit_records_keep_the_full_address(api_client):
    UserFactory(email="victim@example.com")
    _login(api_client, "victim@example.com", "2001:db8:abcd:12:aaaa:bbbb:cccc:dddd")
    api_client.post(
        "/auth/login", {"email": "victim@example.com", "password": DEFAULT_PASSWORD}, format="json",
        REMOTE_ADDR="2001:db8:abcd:12::beef",
    )

    addresses = set(AuthEvent.objects.values_list("ip_address", flat=True))
    assert {"2001:db8:abcd:12:aaaa:bbbb:cccc:dddd", "2001:db8:abcd:12::beef"} <= addresses


@pytest.mark.parametrize(
    ("prefix", "address", "ident"),
    [
        (64, "2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        (56, "2001:db8:1:2ff:3:4:5:6", "2001:db8:1:200::/56"),
        (128, "2001:DB8::0001", "2001:db8::1/128"),
        (64, "fe80::1%eth0", "fe80::/64"),
        (64, "::ffff:10.0.0.1", "10.0.0.1"),
        (64, "010.000.000.001", "010.000.000.001"),  # not an address to ipaddress: counted as sent
        (64, "10.0.0.1", "10.0.0.1"),
    ],
)
def test_throttle_ident(authfort, prefix, address, ident):
    authfort(THROTTLE_IPV6_PREFIX=prefix)

    assert _ident(address) == ident


@pytest.mark.parametrize("value", [0, 129, -1, "64", 64.0, True, None])
def test_an_invalid_prefix_is_check_error_e012_and_requests_use_64(authfort, value):
    authfort(THROTTLE_IPV6_PREFIX=value)

    assert [m.id for m in check_edges()] == ["authfort.E012"]
    with pytest.raises(SystemCheckError, match="authfort.E012"):
        call_command("check")
    assert _ident("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"


@pytest.mark.parametrize("value", [1, 48, 64, 128])
def test_valid_prefixes_pass_the_check(authfort, value):
    authfort(THROTTLE_IPV6_PREFIX=value)

    assert check_edges() == []


def test_cookie_mode_without_secure_outside_debug_warns_w007(authfort, settings):
    settings.DEBUG = False
    authfort(COOKIE={"ENABLED": True, "SECURE": False})
    assert [m.id for m in check_edges()] == ["authfort.W007"]

    settings.DEBUG = True
    assert check_edges() == []
    settings.DEBUG = False
    authfort(COOKIE={"ENABLED": True})
    assert check_edges() == []
    authfort(COOKIE={"ENABLED": False, "SECURE": False})
    assert check_edges() == []
