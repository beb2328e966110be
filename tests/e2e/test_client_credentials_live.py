"""Service-to-service tokens over real HTTP: a live auth server, the two example services
under gunicorn, clients made with `manage.py create_client`, tokens fetched with a plain
POST and with verifier_client's ClientCredentials, verified by PyJWT from the JWKS and by
the DRF and Flask consumers; a user-only route refuses them."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from verifier_client import ClientCredentials

from tests.helpers.consumers import EXAMPLES, Consumers, consumer_env, gunicorn_command
from tests.helpers.e2e_http import bearer
from tests.helpers.mfa import mfa_tokens
from tests.helpers.service_process import ServiceProcess

pytestmark = pytest.mark.slow


def create_client(auth_server, name: str, *args: str) -> dict:
    result = auth_server.manage("create_client", name, *args, "--json")
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def orders_client(auth_server) -> dict:
    return create_client(auth_server, "orders service", "--scope", "notifications:write",
                         "--audience", auth_server.audience)


@pytest.fixture(scope="module")
def services(auth_server, orders_client, tmp_path_factory) -> Iterator[Consumers]:
    """notifications first, so that orders can be told where it is."""
    workdir = tmp_path_factory.mktemp("service-calls")
    variables = consumer_env(auth_server)
    notifications = ServiceProcess(
        "notifications", gunicorn_command("app:app"), cwd=EXAMPLES / "notifications_service",
        env=variables, workdir=workdir, health_path="/api/ping",
    ).start()
    try:
        orders = ServiceProcess(
            "orders", gunicorn_command("orders_service.wsgi"), cwd=EXAMPLES / "orders_service",
            env={**variables, "AUTH_TOKEN_URL": f"{auth_server.url}/auth/token",
                 "ORDERS_CLIENT_ID": orders_client["client_id"],
                 "ORDERS_CLIENT_SECRET": orders_client["client_secret"],
                 "NOTIFICATIONS_URL": notifications.url},
            workdir=workdir, health_path="/api/ping",
        ).start()
    except BaseException:
        notifications.stop()
        raise
    started = Consumers(orders, notifications)
    yield started
    started.stop()


def token_for(auth_server, client: dict, scope: str) -> requests.Response:
    """What `curl -u id:secret -d grant_type=client_credentials -d scope=...` sends."""
    return requests.post(f"{auth_server.url}/auth/token", auth=(client["client_id"], client["client_secret"]),
                         data={"grant_type": "client_credentials", "scope": scope}, timeout=30)


def token_requests_in(log: str) -> int:
    return len(re.findall(r'"POST /auth/token HTTP/1\.[01]" 200', log))


def test_a_client_token_verifies_with_pyjwt_from_the_jwks(auth_server, orders_client):
    response = token_for(auth_server, orders_client, "notifications:write")

    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    token = response.json()["access_token"]
    signing_key = jwt.PyJWKClient(auth_server.jwks_url).get_signing_key_from_jwt(token)
    claims = jwt.decode(token, signing_key.key, algorithms=["RS256"], audience=auth_server.audience,
                        issuer=auth_server.issuer)
    assert jwt.get_unverified_header(token)["typ"] == "at+jwt"
    assert claims["sub"] == claims["client_id"] == orders_client["client_id"]
    assert claims["scope"] == "notifications:write"


def test_the_consumers_accept_it_where_the_scope_is_granted_and_refuse_it_elsewhere(auth_server, services):
    reporting = create_client(auth_server, "reporting", "--scope", "orders:read", "--scope", "notifications:write",
                              "--audience", auth_server.audience)
    writer = token_for(auth_server, reporting, "notifications:write").json()["access_token"]
    reader = token_for(auth_server, reporting, "orders:read").json()["access_token"]

    # Flask: notifications:write required.
    sent = services.notifications.post("/api/notifications", json={"text": "hi"}, headers=bearer(writer))
    refused = services.notifications.post("/api/notifications", json={"text": "hi"}, headers=bearer(reader))
    assert sent.status_code == 202, sent.text
    assert refused.status_code == 403 and refused.json()["code"] == "insufficient_scope"
    assert 'scope="notifications:write"' in refused.headers["WWW-Authenticate"]
    # DRF: orders:read required.
    exported = requests.get(f"{services.orders.url}/api/orders/export", headers=bearer(reader), timeout=30)
    not_granted = requests.get(f"{services.orders.url}/api/orders/export", headers=bearer(writer), timeout=30)
    assert exported.status_code == 200, exported.text
    assert not_granted.status_code == 403 and not_granted.json()["code"] == "insufficient_scope"
    # A user-only route refuses a service's token, and role checks never pass for one.
    user_only = requests.get(f"{services.orders.url}/api/orders", headers=bearer(reader), timeout=30)
    assert user_only.status_code == 403 and user_only.json()["code"] == "user_token_required"
    role_only = requests.delete(f"{services.orders.url}/api/orders/1001", headers=bearer(reader), timeout=30)
    assert role_only.status_code == 403


def test_a_refund_notifies_through_a_service_token_fetched_once(auth_server, services):
    user_token = mfa_tokens(auth_server).access_token  # the refund requires a fresh MFA
    before = token_requests_in(auth_server.log_text())

    refunds = [requests.post(f"{services.orders.url}/api/orders/1001/refund",
                             headers=bearer(user_token), timeout=30) for _ in range(6)]

    for refund in refunds:
        assert refund.status_code == 200, refund.text
        assert refund.json()["notified"] is True
    # Two gunicorn workers, each with its own cached token: at most one fetch per worker.
    fetched = token_requests_in(auth_server.log_text()) - before
    assert 1 <= fetched <= 2


def test_client_credentials_fetches_one_token_for_many_calls(auth_server, services, orders_client):
    tokens = ClientCredentials(f"{auth_server.url}/auth/token", orders_client["client_id"],
                               orders_client["client_secret"], scope="notifications:write")
    before = token_requests_in(auth_server.log_text())

    answers = [requests.post(f"{services.notifications.url}/api/notifications", json={"text": f"n{i}"},
                             auth=tokens, timeout=30) for i in range(10)]

    assert [a.status_code for a in answers] == [202] * 10
    assert tokens.fetch_count == 1
    assert token_requests_in(auth_server.log_text()) - before == 1


def test_disabling_a_client_turns_its_token_inactive_at_introspection(auth_server):
    doomed = create_client(auth_server, "doomed", "--scope", "x:y", "--audience", auth_server.audience)
    token = token_for(auth_server, doomed, "x:y").json()["access_token"]

    def active() -> bool:
        answer = requests.post(auth_server.introspection_url, data={"token": token}, timeout=30,
                               headers={"Authorization": f"Bearer {auth_server.introspection_secret}"})
        return answer.json()["active"]

    assert active() is True
    auth_server.manage("disable_client", doomed["client_id"])
    assert active() is False
    assert token_for(auth_server, doomed, "x:y").status_code == 401


def test_private_key_jwt_with_a_key_pair_made_here(auth_server, services, tmp_path):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwks_file = tmp_path / f"jwks-{uuid.uuid4().hex}.json"
    jwks_file.write_text(json.dumps({"keys": [{**jwk, "kid": "svc-key-1", "alg": "RS256", "use": "sig"}]}))
    signer = create_client(auth_server, "signer", "--scope", "notifications:write", "--jwks", str(jwks_file),
                           "--audience", auth_server.audience)
    assert signer["client_secret"] is None

    tokens = ClientCredentials(f"{auth_server.url}/auth/token", signer["client_id"], private_key=key,
                               key_id="svc-key-1", scope="notifications:write")
    sent = requests.post(f"{services.notifications.url}/api/notifications", json={"text": "signed"},
                         auth=tokens, timeout=30)

    assert sent.status_code == 202, sent.text
    assert sent.json()["by"] == signer["client_id"]
