"""verifier_client.drf in a minimal DRF consumer project (tests/verifier_client/drf_project).

No test here is marked `django_db`: pytest-django refuses any query, which is how
"authenticates without touching the database" is proved.
"""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs

import pytest
from django.core.exceptions import ImproperlyConfigured
from rest_framework.test import APIClient
from verifier_client._adapters import MISSING_ROLE
from verifier_client.claims import Claims
from verifier_client.drf import (
    JWKSAuthentication,
    TokenUser,
    get_introspection_client,
    get_verifier,
    require_roles,
)

from tests.helpers.http_fixtures import CannedResponse, LoopbackHTTPServer
from tests.helpers.tokens import AUDIENCE, ISSUER
from tests.verifier_client.attack_inputs import ATTACKS, build_attack

pytestmark = pytest.mark.urls("tests.verifier_client.drf_project.urls")

AUTH_CLASS = "verifier_client.drf.JWKSAuthentication"


@pytest.fixture
def verifier_settings(settings, jwks):
    """DRF configured with JWKSAuthentication over the static test JWKS."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_AUTHENTICATION_CLASSES": [AUTH_CLASS]}
    settings.VERIFIER_CLIENT = {"JWKS": jwks, "ISSUER": ISSUER, "AUDIENCE": AUDIENCE}
    return settings


@pytest.fixture
def configure(verifier_settings):
    """`configure(**keys)`: merge keys into VERIFIER_CLIENT (as a deployment would set them)."""

    def _configure(**keys):
        verifier_settings.VERIFIER_CLIENT = {**verifier_settings.VERIFIER_CLIENT, **keys}

    return _configure


@pytest.fixture
def api() -> APIClient:
    return APIClient()


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


# -- the happy path -------------------------------------------------------------------
def test_valid_bearer_token_authenticates_without_the_database(api, verifier_settings, make_token):
    token = make_token(claims={"sub": "user-7", "roles": ["reader", "editor"], "email": "u7@example.test"})

    response = api.get("/whoami", **bearer(token))

    assert response.status_code == 200
    assert response.json() == {
        "user_class": "TokenUser",
        "id": "user-7",
        "username": "user-7",
        "email": "u7@example.test",
        "roles": ["reader", "editor"],
        "auth_class": "Claims",
        "sub": "user-7",
    }


def test_scheme_is_case_insensitive(api, verifier_settings, make_token):
    response = api.get("/whoami", HTTP_AUTHORIZATION=f"bearer {make_token()}")

    assert response.status_code == 200


def test_keys_can_come_from_a_jwks_url(api, configure, jwks_url, jwks_server, make_token):
    configure(JWKS=None, JWKS_URL=jwks_url)

    response = api.get("/whoami", **bearer(make_token()))

    assert response.status_code == 200
    assert jwks_server.hits_for("/jwks.json") >= 1


# -- no credentials, other schemes ------------------------------------------------------
def test_no_credentials_is_401_with_a_bare_challenge(api, verifier_settings):
    response = api.get("/whoami")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_other_scheme_is_left_to_other_authenticators(api, verifier_settings):
    response = api.get("/public", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz")

    assert response.status_code == 200
    assert response.json() == {"authenticated": False}


def test_authenticate_returns_none_for_other_schemes(rf, verifier_settings):
    from rest_framework.request import Request

    request = Request(rf.get("/", HTTP_AUTHORIZATION="Basic dXNlcjpwYXNz"))

    assert JWKSAuthentication().authenticate(request) is None


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer a b"])
def test_bearer_without_a_single_token_is_401(api, verifier_settings, header):
    response = api.get("/whoami", HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json()["code"] == "malformed_token"


# -- refused tokens -------------------------------------------------------------------
@pytest.mark.parametrize("attack", ATTACKS)
def test_every_attack_class_is_401_with_the_invalid_token_challenge(
    api, verifier_settings, make_token, rsa_key, http_server, attack
):
    token = build_attack(attack, make_token, rsa_key, http_server.url("/attacker-jwks.json"))

    response = api.get("/whoami", **bearer(token))

    assert response.status_code == 401
    body = response.json()
    assert set(body) == {"detail", "code"}
    assert body["detail"] and body["code"]
    challenge = response["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="api", error="invalid_token", error_description="')
    assert http_server.hits == 0


def test_refusal_reports_the_verification_reason_and_code(api, verifier_settings, make_token):
    response = api.get("/whoami", **bearer(make_token(now=int(time.time()) - 7200)))

    assert response.json()["code"] == "token_expired"
    assert "expired" in response.json()["detail"]
    assert "expired" in response["WWW-Authenticate"]


# -- cookie credentials and CSRF -------------------------------------------------------
@pytest.fixture
def cookie_api(api, configure, make_token):
    configure(COOKIE_NAME="authfort_access")
    api.cookies["authfort_access"] = make_token()
    api.cookies["authfort_csrf"] = "csrf-value-123"
    return api


def test_cookie_is_ignored_unless_configured(api, verifier_settings, make_token):
    api.cookies["authfort_access"] = make_token()

    assert api.get("/whoami").status_code == 401


def test_cookie_authenticates_safe_requests(cookie_api):
    assert cookie_api.get("/whoami").status_code == 200


def test_cookie_post_without_csrf_header_is_403(cookie_api):
    response = cookie_api.post("/whoami")

    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF check failed")
    assert response.json()["code"] == "csrf_failed"


def test_cookie_post_with_wrong_csrf_header_is_403(cookie_api):
    assert cookie_api.post("/whoami", HTTP_X_CSRF_TOKEN="csrf-value-124").status_code == 403


def test_cookie_post_without_csrf_cookie_is_403(cookie_api):
    del cookie_api.cookies["authfort_csrf"]

    assert cookie_api.post("/whoami", HTTP_X_CSRF_TOKEN="").status_code == 403


def test_cookie_post_with_matching_csrf_header_passes(cookie_api):
    assert cookie_api.post("/whoami", HTTP_X_CSRF_TOKEN="csrf-value-123").status_code == 200


def test_bearer_requests_are_never_csrf_checked(cookie_api, make_token):
    response = cookie_api.post("/whoami", **bearer(make_token()))

    assert response.status_code == 200


def test_csrf_names_are_configurable(cookie_api, configure):
    configure(CSRF_COOKIE_NAME="xsrf", CSRF_HEADER="X-XSRF")
    cookie_api.cookies["xsrf"] = "other-value"

    assert cookie_api.post("/whoami", HTTP_X_CSRF_TOKEN="csrf-value-123").status_code == 403
    assert cookie_api.post("/whoami", HTTP_X_XSRF="other-value").status_code == 200


def test_invalid_cookie_token_is_401(cookie_api):
    cookie_api.cookies["authfort_access"] = "garbage"

    assert cookie_api.get("/whoami").status_code == 401


# -- roles ----------------------------------------------------------------------------
def test_has_role_admits_a_listed_role(api, verifier_settings, make_token):
    token = make_token(claims={"roles": ["admin"]})

    assert api.get("/admin-only", **bearer(token)).status_code == 200


def test_has_role_refuses_others_with_403(api, verifier_settings, make_token):
    response = api.get("/admin-only", **bearer(make_token(claims={"roles": ["reader"]})))

    assert response.status_code == 403
    assert response.json()["detail"] == "Your token lacks a role this resource requires. If an administrator has just granted it, refresh the token or log in again: roles are read when a token is issued."


def test_the_adapters_refusals_carry_their_code_with_drfs_own_exception_handler(api, verifier_settings, make_token):
    assert "EXCEPTION_HANDLER" not in verifier_settings.REST_FRAMEWORK  # DRF's default handler

    forbidden = api.get("/admin-only", **bearer(make_token(claims={"roles": ["reader"]})))
    refused = api.get("/whoami", **bearer("not.a.token"))

    assert forbidden.status_code == 403
    assert forbidden.json() == {"detail": MISSING_ROLE, "code": "missing_role"}
    assert refused.status_code == 401 and set(refused.json()) == {"detail", "code"}


NOT_AUTHENTICATED = {"detail": "An access token is required.", "code": "not_authenticated"}


@pytest.mark.parametrize("path", ["/signed-in", "/admin-only", "/editors", "/live-only"])
def test_no_token_is_a_coded_401_with_drfs_own_exception_handler(api, verifier_settings, path):
    assert "EXCEPTION_HANDLER" not in verifier_settings.REST_FRAMEWORK  # DRF's default handler

    response = api.get(path)

    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_is_token_active_refuses_a_caller_another_authenticator_admitted_with_a_coded_403(api, verifier_settings):
    response = api.get("/live-other-auth", HTTP_X_TEST_USER="someone")

    assert response.status_code == 403
    assert response.json()["code"] == "access_token_required"
    assert "Bearer" in response.json()["detail"]


def test_verifier_is_authenticated_admits_a_valid_token(api, verifier_settings, make_token):
    response = api.get("/signed-in", **bearer(make_token()))

    assert response.status_code == 200
    assert response.json()["user_class"] == "TokenUser"


def test_drfs_own_is_authenticated_gives_no_code_without_the_exception_handler(api, verifier_settings):
    # What verifier_client.drf.IsAuthenticated exists for: DRF raises this 401 itself.
    response = api.get("/whoami")

    assert response.status_code == 401 and "code" not in response.json()


def test_the_exception_handler_adds_the_code_drf_leaves_out(api, verifier_settings, make_token):
    verifier_settings.REST_FRAMEWORK = {
        **verifier_settings.REST_FRAMEWORK, "EXCEPTION_HANDLER": "verifier_client.drf.exception_handler"
    }

    forbidden = api.get("/admin-only", **bearer(make_token(claims={"roles": ["reader"]})))
    anonymous = api.get("/whoami")  # DRF's IsAuthenticated
    coded = api.get("/signed-in")  # ours

    assert anonymous.status_code == 401 and anonymous.json()["code"] == "not_authenticated"
    # ...and leaves the adapter's own bodies as they were.
    assert coded.status_code == 401 and coded.json() == NOT_AUTHENTICATED
    assert forbidden.status_code == 403 and forbidden.json() == {"detail": MISSING_ROLE, "code": "missing_role"}


def test_has_role_without_a_token_is_401(api, verifier_settings):
    assert api.get("/admin-only").status_code == 401


@pytest.mark.parametrize(("roles", "status"), [(["editor"], 200), (["admin"], 200), (["reader"], 403), ([], 403)])
def test_require_roles_admits_any_of_its_roles(api, verifier_settings, make_token, roles, status):
    response = api.get("/editors", **bearer(make_token(claims={"roles": roles})))

    assert response.status_code == status


def test_require_roles_needs_names():
    with pytest.raises(ValueError):
        require_roles()


def test_has_role_on_a_view_without_required_roles_is_a_configuration_error(api, verifier_settings, make_token):
    with pytest.raises(ImproperlyConfigured, match="required_roles"):
        api.get("/no-roles", **bearer(make_token(claims={"roles": ["admin"]})))


# -- introspection --------------------------------------------------------------------
@pytest.fixture
def introspection_server(http_server: LoopbackHTTPServer):
    """A loopback introspection endpoint; tokens in `.active_tokens` are active."""
    http_server.active_tokens = set()

    def answer(request):
        token = parse_qs(request.body.decode()).get("token", [""])[0]
        if request.headers.get("Authorization") != "Bearer intro-secret":
            return CannedResponse(status=401, body=b'{"detail": "bad secret"}')
        active = token in http_server.active_tokens
        document = {"active": True, "sub": "user-42", "exp": int(time.time()) + 300} if active else {"active": False}
        return CannedResponse(body=json.dumps(document).encode())

    http_server.set_handler(answer)
    return http_server


@pytest.fixture
def introspection(configure, introspection_server):
    configure(INTROSPECTION_URL=introspection_server.url("/introspect"), INTROSPECTION_SECRET="intro-secret")
    return introspection_server


def test_is_token_active_admits_an_active_token(api, introspection, make_token):
    token = make_token()
    introspection.active_tokens.add(token)

    assert api.get("/sensitive", **bearer(token)).status_code == 200
    assert introspection.hits == 1


def test_is_token_active_refuses_a_revoked_token_with_401(api, introspection, make_token):
    response = api.get("/sensitive", **bearer(make_token()))

    assert response.status_code == 401
    assert response.json()["code"] == "token_inactive"
    assert "no longer active" in response["WWW-Authenticate"]


def test_is_token_active_with_the_endpoint_down_is_a_503_to_retry_not_a_401(api, introspection, make_token):
    token = make_token()
    introspection.active_tokens.add(token)
    introspection.stop()

    response = api.get("/sensitive", **bearer(token))

    assert_unavailable(response, "introspection_unavailable")
    assert "could not confirm that the token is active" in response.json()["detail"]


def test_is_token_active_with_a_refused_secret_is_a_503(api, introspection, configure, make_token):
    configure(INTROSPECTION_SECRET="not-the-secret")

    assert_unavailable(api.get("/sensitive", **bearer(make_token())), "introspection_unavailable")


def test_is_token_active_never_asks_about_a_refused_token(api, introspection):
    assert api.get("/sensitive", **bearer("garbage")).status_code == 401
    assert introspection.hits == 0


def test_is_token_active_without_introspection_settings_is_a_configuration_error(
    api, verifier_settings, make_token
):
    with pytest.raises(ImproperlyConfigured, match="INTROSPECTION_URL"):
        api.get("/sensitive", **bearer(make_token()))


# -- outages: 503 with Retry-After, never 401 ---------------------------------------------
def assert_unavailable(response, code: str) -> None:
    """A 503 telling the client to retry: Retry-After, `{detail, code}`, no Bearer challenge."""
    assert response.status_code == 503, response.content
    assert int(response["Retry-After"]) >= 1
    assert response.json()["code"] == code and response.json()["detail"]
    assert set(response.json()) == {"detail", "code"}
    assert "WWW-Authenticate" not in response


def test_unreachable_jwks_with_nothing_cached_is_a_503_not_a_401(api, configure, http_server, make_token):
    closed = http_server.url("/jwks.json")
    http_server.stop()  # the port now refuses connections
    configure(JWKS=None, JWKS_URL=closed)

    response = api.get("/whoami", **bearer(make_token()))

    assert_unavailable(response, "key_set_unavailable")
    assert "could not be fetched" in response.json()["detail"]


def test_retry_after_is_when_the_keys_may_be_fetched_again(api, configure, http_server, make_token):
    http_server.set_response(b"down", status=503)
    configure(JWKS=None, JWKS_URL=http_server.url("/jwks.json"), MIN_REFETCH_INTERVAL=30)

    first = api.get("/whoami", **bearer(make_token()))
    second = api.get("/whoami", **bearer(make_token()))

    assert_unavailable(first, "key_set_unavailable")
    assert 1 <= int(first["Retry-After"]) <= 30
    assert_unavailable(second, "key_set_unavailable")
    assert http_server.hits == 1  # within the interval nobody asks again: the 503 says when to


def test_a_bad_token_is_still_a_401_while_the_keys_are_unavailable(api, configure, http_server):
    closed = http_server.url("/jwks.json")
    http_server.stop()
    configure(JWKS=None, JWKS_URL=closed)

    response = api.get("/whoami", **bearer("not.a.token"))

    assert response.status_code == 401
    assert response.json()["code"] == "malformed_token"


# -- settings -------------------------------------------------------------------------
def test_verifier_is_built_once_per_settings_value(verifier_settings, configure):
    first = get_verifier()
    assert get_verifier() is first

    configure(LEEWAY=5)

    assert get_verifier() is not first


def test_settings_changes_take_effect_at_once(api, configure, make_token):
    token = make_token()
    assert api.get("/whoami", **bearer(token)).status_code == 200

    configure(AUDIENCE="another-service")

    assert api.get("/whoami", **bearer(token)).status_code == 401


def test_audience_none_is_an_explicit_opt_out(api, configure, make_token):
    configure(AUDIENCE=None)

    assert api.get("/whoami", **bearer(make_token(claims={"aud": "anyone"}))).status_code == 200


def test_missing_audience_is_a_configuration_error(verifier_settings):
    verifier_settings.VERIFIER_CLIENT = {k: v for k, v in verifier_settings.VERIFIER_CLIENT.items() if k != "AUDIENCE"}

    with pytest.raises(ImproperlyConfigured, match="AUDIENCE"):
        get_verifier()


def test_unknown_key_is_a_configuration_error(configure):
    configure(AUDIENCES=["orders"])

    with pytest.raises(ImproperlyConfigured, match="AUDIENCES"):
        get_verifier()


def test_introspection_client_follows_the_settings(configure):
    configure(INTROSPECTION_URL="https://auth.example.test/introspect", INTROSPECTION_SECRET="s", INTROSPECTION_CACHE_TTL=2)

    client = get_introspection_client()

    assert client.url == "https://auth.example.test/introspect"
    assert client.cache_ttl == 2
    assert get_introspection_client() is client


def test_introspection_client_asks_every_time_unless_a_cache_is_configured(configure):
    configure(INTROSPECTION_URL="https://auth.example.test/introspect", INTROSPECTION_SECRET="s")

    assert get_introspection_client().cache_ttl == 0


def test_realm_is_configurable(api, configure):
    configure(REALM="orders")

    assert api.get("/whoami")["WWW-Authenticate"] == 'Bearer realm="orders"'


# -- TokenUser ------------------------------------------------------------------------
def test_token_user_is_built_from_claims_alone():
    user = TokenUser(Claims({"sub": "user-9", "roles": ["admin"], "exp": 1}))

    assert (user.pk, user.id, user.username, str(user)) == ("user-9",) * 4
    assert user.is_authenticated and not user.is_anonymous
    assert not user.is_staff and not user.is_superuser and not user.has_perm("any.perm")
    assert user.has_role("admin", "x") and not user.has_role("editor")
    assert user.email == ""
    assert user == TokenUser(Claims({"sub": "user-9"}))
