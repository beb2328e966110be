"""verifier_client.flask with the Flask test client."""

from __future__ import annotations

import json
import time
from urllib.parse import parse_qs

import pytest
from flask import Flask, Response
from verifier_client.flask import JWKSAuth, current_claims

from tests.helpers.http_fixtures import CannedResponse
from tests.helpers.tokens import AUDIENCE, ISSUER
from tests.verifier_client.attack_inputs import ATTACKS, build_attack


@pytest.fixture
def make_app(jwks):
    """`make_app(**config)`: a consumer app whose views cover each decorator."""

    def _make_app(**config) -> Flask:
        app = Flask("consumer")
        settings = {"JWKS": jwks, "ISSUER": ISSUER, "AUDIENCE": AUDIENCE, **config}
        app.config.update({f"VERIFIER_CLIENT_{key}": value for key, value in settings.items()})
        auth = JWKSAuth()
        auth.init_app(app)

        @app.route("/whoami", methods=["GET", "POST"])
        @auth.required
        def whoami():
            return {"sub": current_claims.sub, "roles": list(current_claims.roles)}

        @app.get("/admin-only")
        @auth.roles_required("admin")
        def admin_only():
            return {"ok": True}

        @app.get("/editors")
        @auth.roles_required("editor", "admin")
        def editors():
            return {"ok": True}

        @app.get("/sensitive")
        @auth.active_required
        @auth.roles_required("reader")
        def sensitive():
            return {"sub": current_claims.sub}

        @app.get("/public")
        def public():
            current_claims.sub  # outside a protected view this is an error
            return {}

        return app

    return _make_app


@pytest.fixture
def client(make_app):
    return make_app().test_client()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# -- the happy path -------------------------------------------------------------------
def test_valid_token_reaches_the_view_with_its_claims(client, make_token):
    response = client.get("/whoami", headers=bearer(make_token(claims={"sub": "user-7", "roles": ["editor"]})))

    assert response.status_code == 200
    assert response.json == {"sub": "user-7", "roles": ["editor"]}


def test_app_passed_to_the_constructor_is_initialised(jwks, make_token):
    app = Flask("direct")
    app.config.update(VERIFIER_CLIENT_JWKS=jwks, VERIFIER_CLIENT_ISSUER=ISSUER, VERIFIER_CLIENT_AUDIENCE=AUDIENCE)
    auth = JWKSAuth(app)
    app.add_url_rule("/x", view_func=auth.required(lambda: {"sub": current_claims.sub}))

    assert app.test_client().get("/x", headers=bearer(make_token())).json == {"sub": "user-42"}


def test_keys_can_come_from_a_jwks_url(make_app, jwks_url, jwks_server, make_token):
    client = make_app(JWKS=None, JWKS_URL=jwks_url).test_client()

    assert client.get("/whoami", headers=bearer(make_token())).status_code == 200
    assert jwks_server.hits_for("/jwks.json") >= 1


# -- refusals -------------------------------------------------------------------------
def test_no_credentials_is_a_json_401_with_a_bare_challenge(client):
    response = client.get("/whoami")

    assert response.status_code == 401
    assert response.json == {"detail": "An access token is required.", "code": "not_authenticated"}
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="api"'


def test_another_scheme_is_401(client):
    assert client.get("/whoami", headers={"Authorization": "Basic dXNlcjpwYXNz"}).status_code == 401


@pytest.mark.parametrize("header", ["Bearer", "Bearer ", "Bearer a b"])
def test_bearer_without_a_single_token_is_401(client, header):
    response = client.get("/whoami", headers={"Authorization": header})

    assert response.status_code == 401
    assert response.json["code"] == "malformed_token"


@pytest.mark.parametrize("attack", ATTACKS)
def test_every_attack_class_is_401_with_the_invalid_token_challenge(client, make_token, rsa_key, http_server, attack):
    token = build_attack(attack, make_token, rsa_key, http_server.url("/attacker-jwks.json"))

    response = client.get("/whoami", headers=bearer(token))

    assert response.status_code == 401
    assert set(response.json) == {"detail", "code"}
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith('Bearer realm="api", error="invalid_token", error_description="')
    assert http_server.hits == 0


def test_refusal_reports_the_verification_reason_and_code(client, make_token):
    response = client.get("/whoami", headers=bearer(make_token(now=int(time.time()) - 7200)))

    assert response.json == {"detail": "The access token has expired.", "code": "token_expired"}
    assert 'error_description="The access token has expired."' in response.headers["WWW-Authenticate"]


def test_current_claims_outside_a_protected_view_is_an_error(make_app):
    app = make_app()
    app.config["PROPAGATE_EXCEPTIONS"] = True

    with pytest.raises(RuntimeError, match="auth.required"):
        app.test_client().get("/public")


# -- roles ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "roles", "status"),
    [
        ("/admin-only", ["admin"], 200),
        ("/admin-only", ["reader"], 403),
        ("/editors", ["editor"], 200),
        ("/editors", ["admin"], 200),
        ("/editors", [], 403),
    ],
)
def test_roles_required_admits_any_of_its_roles(client, make_token, path, roles, status):
    response = client.get(path, headers=bearer(make_token(claims={"roles": roles})))

    assert response.status_code == status


def test_missing_role_is_a_json_403(client, make_token):
    response = client.get("/admin-only", headers=bearer(make_token()))

    assert response.json == {"detail": "Your token lacks a role this resource requires. If an administrator has just granted it, refresh the token or log in again: roles are read when a token is issued.", "code": "missing_role"}


def test_roles_required_without_a_token_is_401(client):
    assert client.get("/admin-only").status_code == 401


def test_roles_required_needs_names():
    with pytest.raises(ValueError):
        JWKSAuth().roles_required()


# -- cookie credentials and CSRF -------------------------------------------------------
@pytest.fixture
def cookie_client(make_app, make_token):
    client = make_app(COOKIE_NAME="authfort_access").test_client()
    client.set_cookie("authfort_access", make_token())
    client.set_cookie("authfort_csrf", "csrf-value-123")
    return client


def test_cookie_is_ignored_unless_configured(client, make_token):
    client.set_cookie("authfort_access", make_token())

    assert client.get("/whoami").status_code == 401


def test_cookie_authenticates_safe_requests(cookie_client):
    assert cookie_client.get("/whoami").status_code == 200


@pytest.mark.parametrize("headers", [{}, {"X-CSRF-Token": "csrf-value-124"}, {"X-CSRF-Token": ""}])
def test_cookie_post_without_the_matching_csrf_header_is_403(cookie_client, headers):
    response = cookie_client.post("/whoami", headers=headers)

    assert response.status_code == 403
    assert response.json["code"] == "csrf_failed"


def test_cookie_post_with_matching_csrf_header_passes(cookie_client):
    assert cookie_client.post("/whoami", headers={"X-CSRF-Token": "csrf-value-123"}).status_code == 200


def test_bearer_requests_are_never_csrf_checked(cookie_client, make_token):
    assert cookie_client.post("/whoami", headers=bearer(make_token())).status_code == 200


def test_invalid_cookie_token_is_401(cookie_client):
    cookie_client.set_cookie("authfort_access", "garbage")

    assert cookie_client.get("/whoami").status_code == 401


# -- introspection --------------------------------------------------------------------
@pytest.fixture
def active_tokens(http_server) -> set[str]:
    """Tokens the loopback introspection endpoint calls active."""
    tokens: set[str] = set()

    def answer(request):
        if request.headers.get("Authorization") != "Bearer intro-secret":
            return CannedResponse(status=401, body=b"{}")
        token = parse_qs(request.body.decode()).get("token", [""])[0]
        document = {"active": True, "exp": int(time.time()) + 300} if token in tokens else {"active": False}
        return CannedResponse(body=json.dumps(document).encode())

    http_server.set_handler(answer)
    return tokens


@pytest.fixture
def intro_client(make_app, http_server, active_tokens):
    app = make_app(INTROSPECTION_URL=http_server.url("/introspect"), INTROSPECTION_SECRET="intro-secret")
    return app.test_client()


def test_active_required_admits_an_active_token(intro_client, active_tokens, make_token):
    token = make_token()
    active_tokens.add(token)

    response = intro_client.get("/sensitive", headers=bearer(token))

    assert response.status_code == 200
    assert response.json == {"sub": "user-42"}


def test_active_required_refuses_a_revoked_token_with_401(intro_client, make_token):
    response = intro_client.get("/sensitive", headers=bearer(make_token()))

    assert response.status_code == 401
    assert response.json["code"] == "token_inactive"
    assert "no longer active" in response.headers["WWW-Authenticate"]


def test_active_required_asks_the_server_on_every_request_by_default(
    intro_client, http_server, active_tokens, make_token
):
    token = make_token()
    active_tokens.add(token)
    assert intro_client.get("/sensitive", headers=bearer(token)).status_code == 200

    active_tokens.discard(token)  # revoked on the server: the very next request sees it
    response = intro_client.get("/sensitive", headers=bearer(token))

    assert response.status_code == 401
    assert response.json["code"] == "token_inactive"
    assert http_server.hits == 2


def test_active_required_with_the_endpoint_down_is_a_503_to_retry_not_a_401(
    intro_client, http_server, active_tokens, make_token
):
    token = make_token(claims={"roles": ["reader"]})
    active_tokens.add(token)
    http_server.stop()

    response = intro_client.get("/sensitive", headers=bearer(token))

    assert_unavailable(response, "introspection_unavailable")
    assert "could not confirm that the token is active" in response.json["detail"]


def test_active_required_with_a_refused_secret_is_a_503(make_app, http_server, active_tokens, make_token):
    app = make_app(INTROSPECTION_URL=http_server.url("/introspect"), INTROSPECTION_SECRET="not-the-secret")

    response = app.test_client().get("/sensitive", headers=bearer(make_token(claims={"roles": ["reader"]})))

    assert_unavailable(response, "introspection_unavailable")


# -- outages: 503 with Retry-After, never 401 ---------------------------------------------
def assert_unavailable(response, code: str) -> None:
    """A 503 telling the client to retry: Retry-After, `{detail, code}`, no Bearer challenge."""
    assert response.status_code == 503, response.data
    assert int(response.headers["Retry-After"]) >= 1
    assert set(response.json) == {"detail", "code"}
    assert response.json["code"] == code and response.json["detail"]
    assert "WWW-Authenticate" not in response.headers


def test_unreachable_jwks_with_nothing_cached_is_a_503_not_a_401(make_app, http_server, make_token):
    closed = http_server.url("/jwks.json")
    http_server.stop()  # the port now refuses connections
    client = make_app(JWKS=None, JWKS_URL=closed).test_client()

    for path in ("/whoami", "/admin-only", "/sensitive"):
        response = client.get(path, headers=bearer(make_token(claims={"roles": ["admin", "reader"]})))
        assert_unavailable(response, "key_set_unavailable")
        assert "could not be fetched" in response.json["detail"]


def test_retry_after_is_when_the_keys_may_be_fetched_again(make_app, http_server, make_token):
    http_server.set_response(b"down", status=503)
    client = make_app(JWKS=None, JWKS_URL=http_server.url("/jwks.json"), MIN_REFETCH_INTERVAL=30).test_client()

    first = client.get("/whoami", headers=bearer(make_token()))
    second = client.get("/whoami", headers=bearer(make_token()))

    assert_unavailable(first, "key_set_unavailable")
    assert 1 <= int(first.headers["Retry-After"]) <= 30
    assert_unavailable(second, "key_set_unavailable")
    assert http_server.hits == 1


def test_an_overridden_error_response_keeps_the_retry_after_header(jwks, http_server, make_token):
    class PlainAuth(JWKSAuth):
        def error_response(self, status, code, detail, challenge=None):
            return Response(f"{code}: {detail}", status=status, mimetype="text/plain")

    closed = http_server.url("/jwks.json")
    http_server.stop()
    app = Flask("consumer")
    app.config.update(VERIFIER_CLIENT_JWKS_URL=closed, VERIFIER_CLIENT_ISSUER=ISSUER, VERIFIER_CLIENT_AUDIENCE=AUDIENCE)
    auth = PlainAuth(app)
    app.add_url_rule("/x", view_func=auth.required(lambda: "ok"))

    response = app.test_client().get("/x", headers=bearer(make_token()))

    assert response.status_code == 503
    assert response.text.startswith("key_set_unavailable: ")
    assert int(response.headers["Retry-After"]) >= 1


def test_active_required_never_asks_about_a_refused_token(intro_client, http_server):
    assert intro_client.get("/sensitive", headers=bearer("garbage")).status_code == 401
    assert http_server.hits == 0


def test_active_required_without_introspection_config_is_an_error(make_app, make_token):
    app = make_app()
    app.config["PROPAGATE_EXCEPTIONS"] = True

    with pytest.raises(RuntimeError, match="INTROSPECTION_URL"):
        app.test_client().get("/sensitive", headers=bearer(make_token(claims={"roles": ["reader"]})))


# -- configuration --------------------------------------------------------------------
def test_missing_audience_is_refused_at_init_app(jwks):
    app = Flask("consumer")
    app.config.update(VERIFIER_CLIENT_JWKS=jwks, VERIFIER_CLIENT_ISSUER=ISSUER)

    with pytest.raises(RuntimeError, match="AUDIENCE"):
        JWKSAuth(app)


def test_audience_none_is_an_explicit_opt_out(make_app, make_token):
    client = make_app(AUDIENCE=None).test_client()

    assert client.get("/whoami", headers=bearer(make_token(claims={"aud": "anyone"}))).status_code == 200


def test_unknown_key_is_refused_at_init_app(make_app):
    with pytest.raises(RuntimeError, match="AUDIENCES"):
        make_app(AUDIENCES=["orders"])


def test_excessive_leeway_is_refused_at_init_app(make_app):
    with pytest.raises(RuntimeError, match="leeway"):
        make_app(LEEWAY=3600)


def test_view_used_without_init_app_is_an_error():
    app = Flask("bare")
    app.config["PROPAGATE_EXCEPTIONS"] = True
    app.add_url_rule("/x", view_func=JWKSAuth().required(lambda: {}))

    with pytest.raises(RuntimeError, match="init_app"):
        app.test_client().get("/x", headers=bearer("x.y.z"))


def test_realm_is_configurable(make_app):
    response = make_app(REALM="orders").test_client().get("/whoami")

    assert response.headers["WWW-Authenticate"] == 'Bearer realm="orders"'
