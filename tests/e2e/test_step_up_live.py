"""Step-up (RFC 9470) over real HTTP: the example consumers refuse a password-only token on
their MFA routes (the orders refund, the notifications forwarding) with the
insufficient_user_authentication challenge, accept it once the user steps up at the auth
server (TOTP), and refuse it again when `max_age` has passed (an injected clock in the DRF
and Flask adapters, verifying the live server's tokens)."""

from __future__ import annotations

import time
from collections.abc import Iterator

import jwt
import pytest

from tests.helpers.consumers import Consumers, start_consumers
from tests.helpers.e2e_http import bearer
from tests.helpers.mfa import mfa_tokens, next_code, user_with_totp

pytestmark = pytest.mark.slow

# (service, path, JSON body): both require MFA no older than 10 minutes; the refund also
# asks the auth server, live, whether the token is still active.
MFA_ROUTES = [("orders", "/api/orders/1001/refund", None), ("notifications", "/api/forwarding", {"to": "me@example.com"})]


@pytest.fixture(scope="module")
def consumers(auth_server, tmp_path_factory) -> Iterator[Consumers]:
    started = start_consumers(auth_server, tmp_path_factory.mktemp("consumers"), workers=1)
    yield started
    started.stop()


def _assert_step_up_challenge(response, max_age: int = 600) -> None:
    assert response.status_code == 401, response.text
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert 'error="insufficient_user_authentication"' in challenge
    assert f'max_age="{max_age}"' in challenge
    assert response.json()["code"] == "mfa_required"


def test_a_password_only_token_is_refused_then_accepted_after_step_up(auth_server, consumers):
    account, secret = user_with_totp(auth_server)
    password_only = account["access_token"]
    assert jwt.decode(password_only, options={"verify_signature": False})["amr"] == ["pwd"]
    for name, path, body in MFA_ROUTES:
        _assert_step_up_challenge(getattr(consumers, name).post(path, json=body, headers=bearer(password_only)))

    stepped = auth_server.post("/auth/step-up", {"code": next_code(secret)}, headers=bearer(password_only))
    assert stepped.status_code == 200, stepped.text
    claims = jwt.decode(stepped.json()["access_token"], options={"verify_signature": False})
    assert claims["amr"] == ["pwd", "otp", "mfa"]
    assert claims["sid"] == jwt.decode(password_only, options={"verify_signature": False})["sid"]
    for name, path, body in MFA_ROUTES:
        accepted = getattr(consumers, name).post(path, json=body, headers=bearer(stepped.json()["access_token"]))
        assert accepted.status_code == 200, accepted.text
    # The pre-step-up refresh token was retired; the new one refreshes with the stronger amr.
    assert auth_server.post("/auth/refresh", {"refresh_token": account["refresh_token"]}).status_code == 401
    refreshed = auth_server.post("/auth/refresh", {"refresh_token": stepped.json()["refresh_token"]})
    assert refreshed.status_code == 401  # presenting the retired token was a reuse: the session ended


def test_a_login_with_the_second_factor_passes_at_once(auth_server, consumers):
    account = mfa_tokens(auth_server)  # login answers mfa_required, /auth/login/mfa completes it
    refreshed = auth_server.post("/auth/refresh", {"refresh_token": account.refresh_token})
    token = refreshed.json()["access_token"]  # refresh keeps amr and auth_time
    assert jwt.decode(token, options={"verify_signature": False})["amr"] == ["pwd", "otp", "mfa"]
    for name, path, body in MFA_ROUTES:
        accepted = getattr(consumers, name).post(path, json=body, headers=bearer(token))
        assert accepted.status_code == 200, accepted.text
    refund = consumers.orders.post("/api/orders/1001/refund", headers=bearer(token)).json()
    assert refund == {"order": 1001, "status": "refunded", "by": account.user_id, "notified": False}


def test_step_up_with_a_factor_the_user_does_not_have_is_refused(auth_server):
    account = auth_server.register()
    refused = auth_server.post("/auth/step-up", {"code": "123456"}, headers=bearer(account["access_token"]))
    assert refused.status_code == 400 and refused.json()["code"] == "factor_not_available"


class _Clock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def stepped_up_token(auth_server) -> str:
    account, secret = user_with_totp(auth_server)
    stepped = auth_server.post("/auth/step-up", {"code": next_code(secret)}, headers=bearer(account["access_token"]))
    assert stepped.status_code == 200, stepped.text
    return stepped.json()["access_token"]


def test_flask_refuses_the_stepped_up_token_once_max_age_has_passed(auth_server, stepped_up_token):
    from flask import Flask

    from verifier_client.flask import JWKSAuth

    app = Flask("step-up-clock")
    app.config.update(
        VERIFIER_CLIENT_JWKS_URL=auth_server.jwks_url, VERIFIER_CLIENT_ISSUER=auth_server.issuer,
        VERIFIER_CLIENT_AUDIENCE=auth_server.audience, VERIFIER_CLIENT_ALLOW_INSECURE_HTTP=True,
    )
    auth = JWKSAuth(app)
    auth.clock = clock = _Clock()

    @app.post("/sensitive")
    @auth.mfa_required(max_age=600)
    def sensitive() -> dict:
        return {"ok": True}

    client = app.test_client()
    assert client.post("/sensitive", headers=bearer(stepped_up_token)).status_code == 200
    clock.now += 601
    late = client.post("/sensitive", headers=bearer(stepped_up_token))
    assert late.status_code == 401 and late.json["code"] == "mfa_required"
    assert 'error="insufficient_user_authentication"' in late.headers["WWW-Authenticate"]
    assert 'max_age="600"' in late.headers["WWW-Authenticate"]


def test_drf_refuses_the_stepped_up_token_once_max_age_has_passed(auth_server, stepped_up_token, settings):
    from rest_framework.response import Response
    from rest_framework.test import APIRequestFactory
    from rest_framework.views import APIView

    from verifier_client.drf import IsAuthenticated, JWKSAuthentication, require_mfa

    settings.VERIFIER_CLIENT = {
        "JWKS_URL": auth_server.jwks_url, "ISSUER": auth_server.issuer, "AUDIENCE": auth_server.audience,
        "ALLOW_INSECURE_HTTP": True,
    }
    clock = _Clock()
    requirement = type("Within10Minutes", (require_mfa(max_age=600),), {"clock": staticmethod(clock)})

    class Sensitive(APIView):
        authentication_classes = [JWKSAuthentication]
        permission_classes = [IsAuthenticated, requirement]

        def post(self, request):
            return Response({"ok": True})

    view = Sensitive.as_view()
    factory = APIRequestFactory()

    def call():
        response = view(factory.post("/sensitive", HTTP_AUTHORIZATION=f"Bearer {stepped_up_token}"))
        response.render()
        return response

    assert call().status_code == 200
    clock.now += 601
    late = call()
    assert late.status_code == 401 and late.data["code"] == "mfa_required"
    assert 'error="insufficient_user_authentication"' in late["WWW-Authenticate"]
    assert 'max_age="600"' in late["WWW-Authenticate"]
