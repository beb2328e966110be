"""Mass assignment: fields a client must never set are ignored by EVERY write endpoint.

The endpoints are read from the URL conf, so a new write endpoint fails
`test_every_write_endpoint_has_a_mass_assignment_scenario` until a scenario below
exercises it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver

from authfort_django import urls as authfort_urls
from authfort_django.accounts import mailed_tokens
from authfort_django.federation import codes
from authfort_django.models import Account, Identity, Role, Session, User
from tests.authfort_django.helpers import INTROSPECTION_SECRET, bearer, login
from tests.factories import DEFAULT_PASSWORD, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

WRITE_METHODS = ("post", "put", "patch", "delete")
FORGED_ID = "00000000-0000-0000-0000-0000000000aa"
FORGED_EMAIL = "mallory@attacker.example"

# What an attacker adds to an otherwise valid body.
INJECTED: dict[str, Any] = {
    "id": FORGED_ID,
    "pk": FORGED_ID,
    "sub": FORGED_ID,
    "user": FORGED_ID,
    "user_id": FORGED_ID,
    "users": [FORGED_ID],
    "email": FORGED_EMAIL,
    "is_staff": True,
    "is_superuser": True,
    "is_active": False,
    "roles": ["admin"],
    "groups": [1],
    "user_permissions": [1],
    "token_version": 999,
    "email_verified": True,
    "date_joined": "2000-01-01T00:00:00Z",
    "expires_at": "2100-01-01T00:00:00Z",
    "revoked_at": None,
}


def _patterns(resolver_patterns: list, prefix: str = "") -> list[tuple[str, URLPattern]]:
    found = []
    for entry in resolver_patterns:
        if isinstance(entry, URLResolver):
            found += _patterns(entry.url_patterns, prefix + str(entry.pattern))
        else:
            found.append((prefix + str(entry.pattern), entry))
    return found


ALL_PATTERNS = _patterns(authfort_urls.urlpatterns)
WRITE_ENDPOINTS = sorted(
    (pattern.name, method)
    for _, pattern in ALL_PATTERNS
    if hasattr(pattern.callback, "view_class")
    for method in WRITE_METHODS
    if hasattr(pattern.callback.view_class, method)
)
# Plain function views are read-only, except the OAuth endpoints (form-encoded POST; see
# test_the_token_endpoint_ignores_injected_fields below).
OAUTH_VIEWS = sorted(route for route, pattern in ALL_PATTERNS if "post" in getattr(pattern.callback, "http_methods", ()))
FUNCTION_VIEWS = sorted(
    route for route, pattern in ALL_PATTERNS
    if not hasattr(pattern.callback, "view_class") and route not in OAUTH_VIEWS
)


@dataclass
class World:
    staff: User
    member: User
    target: User
    member_tokens: dict[str, Any]

    @property
    def member_session(self) -> Session:
        return Session.objects.filter(user=self.member, revoked_at__isnull=True).latest("created_at")


@pytest.fixture
def world(api_client) -> World:
    RoleFactory(name="admin")
    RoleFactory(name="reader")
    staff = UserFactory(email="staff@example.com", is_staff=True)
    member = UserFactory(email="member@example.com")
    target = UserFactory(email="target@example.com")
    return World(staff, member, target, login(api_client, member, DEFAULT_PASSWORD))


def _as_staff(client, world: World) -> dict[str, str]:
    return bearer(login(client, world.staff, DEFAULT_PASSWORD)["access_token"])


def _member(world: World) -> dict[str, str]:
    return bearer(world.member_tokens["access_token"])


def _body(**valid: Any) -> dict[str, Any]:
    """INJECTED under the endpoint's own valid fields (which win)."""
    return {**INJECTED, **valid}


def _mailed_token(user: User, purpose: str) -> str:
    """A genuine token, as the mail would carry it."""
    return mailed_tokens.issue(user, purpose, ttl=3600).raw


Scenario = Callable[[Any, World], tuple[Any, int]]

SCENARIOS: dict[tuple[str, str], Scenario] = {
    ("register", "post"): lambda c, w: (
        c.post("/auth/register", _body(email="new@example.com", password=DEFAULT_PASSWORD), format="json"), 201),
    ("login", "post"): lambda c, w: (
        c.post("/auth/login", _body(email=w.member.email, password=DEFAULT_PASSWORD), format="json"), 200),
    ("refresh", "post"): lambda c, w: (
        c.post("/auth/refresh", _body(refresh_token=w.member_tokens["refresh_token"]), format="json"), 200),
    ("logout", "post"): lambda c, w: (
        c.post("/auth/logout", _body(refresh_token=w.member_tokens["refresh_token"]), format="json"), 204),
    ("logout-all", "post"): lambda c, w: (
        c.post("/auth/logout-all", _body(), format="json", **_member(w)), 204),
    ("password", "post"): lambda c, w: (
        c.post("/auth/password", _body(old_password=DEFAULT_PASSWORD, new_password="another fine passphrase 7"),
               format="json", **_member(w)), 200),
    ("session", "delete"): lambda c, w: (
        c.delete(f"/auth/sessions/{w.member_session.pk}", _body(), format="json", **_member(w)), 204),
    ("roles", "post"): lambda c, w: (
        c.post("/auth/roles", _body(name="auditor"), format="json", **_as_staff(c, w)), 201),
    ("user-role", "put"): lambda c, w: (
        c.put(f"/auth/users/{w.target.pk}/roles/reader", _body(), format="json", **_as_staff(c, w)), 204),
    ("user-role", "delete"): lambda c, w: (
        c.delete(f"/auth/users/{w.target.pk}/roles/reader", _body(), format="json", **_as_staff(c, w)), 204),
    ("ban", "post"): lambda c, w: (
        c.post(f"/auth/users/{w.target.pk}/ban", _body(), format="json", **_as_staff(c, w)), 204),
    ("unban", "post"): lambda c, w: (
        c.post(f"/auth/users/{w.target.pk}/unban", _body(), format="json", **_as_staff(c, w)), 204),
    ("password-reset", "post"): lambda c, w: (
        c.post("/auth/password-reset", _body(email=w.member.email), format="json"), 202),
    ("password-reset-confirm", "post"): lambda c, w: (
        c.post("/auth/password-reset/confirm",
               _body(token=_mailed_token(w.member, mailed_tokens.Purpose.PASSWORD_RESET),
                     new_password="another fine passphrase 7"), format="json"), 204),
    ("verify-email-request", "post"): lambda c, w: (
        c.post("/auth/verify-email/request", _body(), format="json", **_member(w)), 202),
    ("verify-email", "post"): lambda c, w: (
        c.post("/auth/verify-email", _body(token=_mailed_token(w.member, mailed_tokens.Purpose.VERIFY_EMAIL)),
               format="json"), 204),
    # Federated and passwordless sign-in (tests/authfort_django/federation/ for the flows).
    ("oauth-exchange", "post"): lambda c, w: (
        c.post("/auth/oauth/exchange", _body(code=codes.issue_exchange_code(w.member, amr=["fed"], provider="local")),
               format="json"), 200),
    # No provider is configured here: refused, and nothing injected lands anywhere.
    ("oauth-id-token", "post"): lambda c, w: (
        c.post("/auth/oauth/local/id-token", _body(id_token="x.y.z"), format="json"), 404),
    ("identity", "delete"): lambda c, w: (
        c.delete(f"/auth/identities/{Identity.objects.create(user=w.member, provider='local', subject='m').pk}",
                 _body(), format="json", **_member(w)), 204),
    ("magic-link", "post"): lambda c, w: (
        c.post("/auth/magic-link", _body(email=w.member.email), format="json"), 202),
    ("magic-link-verify", "post"): lambda c, w: (
        c.post("/auth/magic-link/verify", _body(token=codes.issue_magic_link(w.member.email)), format="json"), 200),
    ("email-code", "post"): lambda c, w: (
        c.post("/auth/email-code", _body(email=w.member.email), format="json"), 202),
    ("email-code-verify", "post"): lambda c, w: (
        c.post("/auth/email-code/verify", _body(email=w.member.email, code=codes.issue_email_code(w.member.email)),
               format="json"), 200),
    ("introspect", "post"): lambda c, w: (
        c.post("/auth/introspect", _body(token=w.member_tokens["access_token"]), format="json",
               HTTP_AUTHORIZATION=f"Bearer {INTROSPECTION_SECRET}"), 200),
}


# Multi-factor authentication: the member gets a factor through the domain first.


def _totp_member(w: World) -> str:
    """Enable TOTP for the member; a code the server will still accept (the next step's)."""
    import time

    import pyotp

    from authfort_django.mfa import state, totp

    secret = totp.start_setup(w.member).secret
    state.enable_totp(w.member, pyotp.TOTP(secret).now())
    return pyotp.TOTP(secret).at(time.time() + 30)


def _passkey_member(c: Any, w: World) -> Any:
    from tests.authfort_django.software_authenticator import SoftwareAuthenticator

    device = SoftwareAuthenticator(rp_id="testserver", origin="http://testserver")
    options = c.post("/auth/passkeys/register/options", format="json", **_member(w)).json()["publicKey"]
    added = c.post("/auth/passkeys/register", {"credential": device.create(options)}, format="json", **_member(w))
    assert added.status_code == 201, added.content
    return device


def _mfa_login(c: Any, w: World) -> tuple[Any, int]:
    code = _totp_member(w)
    token = c.post("/auth/login", {"email": w.member.email, "password": DEFAULT_PASSWORD}, format="json").json()
    return c.post("/auth/login/mfa", _body(mfa_token=token["mfa_token"], code=code), format="json"), 200


def _passkey_login(c: Any, w: World) -> tuple[Any, int]:
    device = _passkey_member(c, w)
    options = c.post("/auth/passkeys/login/options", {}, format="json").json()
    credential = device.get(options["publicKey"])
    return c.post("/auth/passkeys/login", _body(challenge_token=options["challenge_token"], credential=credential),
                  format="json"), 200


def _passkey_register(c: Any, w: World) -> tuple[Any, int]:
    from tests.authfort_django.software_authenticator import SoftwareAuthenticator

    device = SoftwareAuthenticator(rp_id="testserver", origin="http://testserver")
    options = c.post("/auth/passkeys/register/options", format="json", **_member(w)).json()["publicKey"]
    return c.post("/auth/passkeys/register", _body(credential=device.create(options)), format="json",
                  **_member(w)), 201


def _passkey_delete(c: Any, w: World) -> tuple[Any, int]:
    _passkey_member(c, w)
    from authfort_django.models import Passkey

    return c.delete(f"/auth/passkeys/{Passkey.objects.get().pk}", _body(), format="json", **_member(w)), 204


SCENARIOS.update({
    ("login-mfa", "post"): _mfa_login,
    ("step-up", "post"): lambda c, w: (c.post("/auth/step-up", _body(code=_totp_member(w)), format="json",
                                              **_member(w)), 200),
    ("mfa-totp-setup", "post"): lambda c, w: (c.post("/auth/mfa/totp/setup", _body(), format="json",
                                                     **_member(w)), 200),
    ("mfa-totp-confirm", "post"): lambda c, w: (
        c.post("/auth/mfa/totp/confirm", _body(code=__import__("pyotp").TOTP(
            c.post("/auth/mfa/totp/setup", format="json", **_member(w)).json()["secret"]).now()),
               format="json", **_member(w)), 200),
    ("mfa-totp", "delete"): lambda c, w: (c.delete("/auth/mfa/totp", _body(code=_totp_member(w)), format="json",
                                                   **_member(w)), 204),
    ("mfa-recovery-codes", "post"): lambda c, w: (
        c.post("/auth/mfa/recovery-codes", _body(code=_totp_member(w)), format="json", **_member(w)), 200),
    ("passkey-register-options", "post"): lambda c, w: (
        c.post("/auth/passkeys/register/options", _body(), format="json", **_member(w)), 200),
    ("passkey-register", "post"): _passkey_register,
    ("passkey", "delete"): _passkey_delete,
    ("passkey-login-options", "post"): lambda c, w: (
        c.post("/auth/passkeys/login/options", _body(), format="json"), 200),
    ("passkey-login", "post"): _passkey_login,
})


def test_every_write_endpoint_has_a_mass_assignment_scenario():
    missing = sorted(set(WRITE_ENDPOINTS) - set(SCENARIOS))

    assert not missing, f"add a scenario to SCENARIOS for each new write endpoint: {missing}"
    assert len(WRITE_ENDPOINTS) >= 13  # the discovery itself must keep working


@pytest.mark.parametrize("endpoint", WRITE_ENDPOINTS, ids=["%s-%s" % e for e in WRITE_ENDPOINTS])
def test_a_write_endpoint_ignores_fields_the_client_must_not_set(api_client, world, endpoint):
    scenario = SCENARIOS.get(endpoint)
    if scenario is None:
        pytest.fail(f"no mass-assignment scenario for {endpoint}")

    response, expected = scenario(api_client, world)

    assert response.status_code == expected, response.content
    users = list(User.objects.all())
    assert not any(str(u.pk) == FORGED_ID for u in users)
    assert not any(u.email == FORGED_EMAIL for u in users)
    assert not any(u.token_version == 999 for u in users)
    assert not any(u.is_superuser for u in users)
    assert [u.email for u in users if u.is_staff] == ["staff@example.com"]
    assert not any(u.date_joined.year == 2000 for u in users)
    assert not Account.objects.filter(roles__name="admin").exists()
    # Only a ban deactivates anybody, and only its target.
    inactive = {u.email for u in users if not u.is_active}
    assert inactive == ({"target@example.com"} if endpoint == ("ban", "post") else set())
    # Only a mailed token verifies an address (a completed reset proves the mailbox too).
    verified = {u.email for u in users if u.email_verified_at is not None}
    proves_mailbox = {
        ("verify-email", "post"), ("password-reset-confirm", "post"),
        ("magic-link-verify", "post"), ("email-code-verify", "post"),
    }
    assert verified == ({"member@example.com"} if endpoint in proves_mailbox else set())
    assert not Session.objects.filter(expires_at__year=2100).exists()
    assert not Role.objects.filter(accounts__isnull=False, name="auditor").exists()


@pytest.mark.parametrize("route", FUNCTION_VIEWS)
@pytest.mark.parametrize("method", WRITE_METHODS)
def test_function_views_accept_no_writes(api_client, route, method):
    response = getattr(api_client, method)("/" + route, INJECTED, format="json")

    assert response.status_code == 405


def test_the_oauth_endpoints_are_the_token_and_revocation_endpoints():
    assert OAUTH_VIEWS == ["auth/revoke", "auth/token"]


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize("route", OAUTH_VIEWS)
def test_the_oauth_endpoints_take_only_post(api_client, route, method):
    assert getattr(api_client, method)("/" + route, INJECTED, format="json").status_code == 405


def test_the_token_endpoint_ignores_injected_fields(client):
    import jwt
    from urllib.parse import urlencode

    from authfort_django.clients.registry import create_client
    from tests.helpers.clients import basic

    created = create_client("svc", scopes=["a:b"])
    injected = {name: value for name, value in INJECTED.items() if isinstance(value, str)}
    body = urlencode({**injected, "roles": "admin", "sid": FORGED_ID, "ver": "999", "grant_type": "client_credentials"})

    response = client.post("/auth/token", body, content_type="application/x-www-form-urlencoded",
                           HTTP_AUTHORIZATION=basic(created.client.client_id, created.secret))

    assert response.status_code == 200, response.content
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["sub"] == created.client.client_id
    assert {"roles", "sid", "ver", "email", "user"}.isdisjoint(claims)
