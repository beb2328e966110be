"""The auth server goes down: consumers keep verifying with the keys they hold,
answer 503 with Retry-After (never 401) once they have no usable keys or cannot
ask introspection, and recover as soon as the server is back.

Real processes over HTTP: the auth server (gunicorn, 2 workers) and the example
consumers (gunicorn, 2 workers each, `--preload`), configured only through their
AUTH_* variables. Nothing here waits on a wall-clock duration: the server's JWKS
says `max-age=1`, and the "strict" consumers lower the verifier's cache floor
(AUTH_JWKS_MIN_CACHE_TTL=0, the documented seam) and allow no staleness and no
refetch interval, so their keys are unusable one second after each fetch and
every request past that fetches again. The test then waits on what the
consumers answer (bounded polling), never on how fast the machine is.
"""

from __future__ import annotations

import pytest
import requests

from tests.helpers.consumers import Consumers, start_consumers
from tests.helpers.e2e_http import (
    access_token,
    assert_bearer_challenge,
    bearer,
    eventually,
)
from tests.helpers.mfa import mfa_tokens
from tests.helpers.service_process import free_port

pytestmark = pytest.mark.slow

READS = [("orders", "/api/orders"), ("notifications", "/api/unread")]
# The endpoints that ask the auth server live (IsTokenActive, @auth.active_required); the
# refund also requires a fresh MFA, so the tokens sent here come from a TOTP login.
LIVE_CHECKS = [("orders", "/api/orders/1001/refund"), ("notifications", "/api/unsubscribe")]
# A bound, not an expectation: strict consumers refuse one second after their last fetch.
FAIL_CLOSED_WITHIN = 30
# Every request of a strict consumer past its keys' second is refused; this many in a
# row per service means each of its workers has been asked (gunicorn spreads requests).
REFUSALS_IN_A_ROW = 4
STRICT = {"AUTH_JWKS_MIN_CACHE_TTL": "0", "AUTH_JWKS_MAX_STALE": "0", "AUTH_JWKS_MIN_REFETCH_INTERVAL": "0"}


def reads(services: Consumers) -> list[tuple[object, str]]:
    return [(getattr(services, name), path) for name, path in READS]


def live_checks(services: Consumers) -> list[tuple[object, str]]:
    return [(getattr(services, name), path) for name, path in LIVE_CHECKS]


def assert_unavailable(response: requests.Response, code: str) -> None:
    """503 with Retry-After and `{detail, code}`: retry later; nothing tells the client to log in."""
    assert response.status_code == 503, f"{response.status_code} {response.text}"
    assert int(response.headers["Retry-After"]) >= 1
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json()["code"] == code and response.json()["detail"]
    assert "WWW-Authenticate" not in response.headers


def test_consumers_ride_out_an_outage_answer_503_once_keys_expire_and_recover(start_auth_server, tmp_path_factory):
    server = start_auth_server(AUTHFORT_JWKS_MAX_AGE="1")
    workdir = tmp_path_factory.mktemp("outage")
    steady = start_consumers(server, workdir)  # library defaults: keys trusted for an hour past their TTL
    try:
        strict = start_consumers(server, workdir, **STRICT)
    except BaseException:
        steady.stop()
        raise
    try:
        account = mfa_tokens(server)
        seen = account.access_token
        # First shown to a consumer during the outage. A refresh, not a new login: it keeps the
        # session's MFA, and a new login would need a TOTP code of a step not yet used.
        renewed = server.post("/auth/refresh", {"refresh_token": account.refresh_token})
        unseen = access_token(renewed)
        for services in (steady, strict):
            for service, path in reads(services):
                assert service.get(path, headers=bearer(seen)).status_code == 200, (service.name, path)
            for service, path in live_checks(services):
                assert service.post(path, headers=bearer(seen)).status_code == 200, (service.name, path)

        server.stop_process()

        # Known keys keep working: a token seen before, and one never seen, both verify.
        for service, path in reads(steady):
            for token in (seen, unseen):
                response = service.get(path, headers=bearer(token))
                assert response.status_code == 200, f"{service.name} refused a good token during the outage: {response.text}"
        # The live checks cannot reach the server: refused at once, as "retry later".
        for service, path in live_checks(steady):
            refused = service.post(path, headers=bearer(seen))
            assert_unavailable(refused, "introspection_unavailable")

        # The strict consumers' keys are unusable a second after their last fetch: from
        # then on, every request answers 503 key_set_unavailable.
        in_a_row = {service.name: 0 for service, _ in reads(strict)}

        def strict_consumers_refuse() -> bool:
            for service, path in reads(strict):
                response = service.get(path, headers=bearer(seen))
                if response.status_code == 200:
                    in_a_row[service.name] = 0
                    continue
                assert_unavailable(response, "key_set_unavailable")
                in_a_row[service.name] += 1
            return all(count >= REFUSALS_IN_A_ROW for count in in_a_row.values())

        assert eventually(strict_consumers_refuse, within=FAIL_CLOSED_WITHIN, every=0.1), in_a_row
        for service, path in reads(strict):
            refused = service.get(path, headers=bearer(unseen))
            assert_unavailable(refused, "key_set_unavailable")
            assert "could not be fetched" in refused.json()["detail"]
            # What does not depend on the keys is unchanged: alive, and 401 without a token.
            assert service.get("/api/ping").status_code == 200
            assert_bearer_challenge(service.get(path), code="not_authenticated")

        server.start_process()  # returns once the server answers /health

        # No refetch interval: the next request of every strict worker fetches the keys.
        fresh = access_token(server.post("/auth/refresh", {"refresh_token": renewed.json()["refresh_token"]}))
        for services in (strict, steady):
            for service, path in reads(services):
                for token in [seen, fresh] * REFUSALS_IN_A_ROW:
                    response = service.get(path, headers=bearer(token))
                    assert response.status_code == 200, f"{service.name}: {response.text}"
            for service, path in live_checks(services):
                response = service.post(path, headers=bearer(fresh))
                assert response.status_code == 200, f"{service.name} {path}: {response.text}"
    finally:
        strict.stop()
        steady.stop()


def test_a_consumer_that_cannot_fetch_keys_and_has_none_answers_503_not_401(auth_server, tmp_path_factory):
    # Nothing listens on this loopback port: the fetch at start-up (gunicorn --preload)
    # and every later one are refused, so no key was ever cached.
    closed = f"http://127.0.0.1:{free_port()}/.well-known/jwks.json"
    services = start_consumers(auth_server, tmp_path_factory.mktemp("no_keys"), AUTH_JWKS_URL=closed)
    try:
        token = auth_server.register()["access_token"]

        for service, path in reads(services):
            response = service.get(path, headers=bearer(token))
            assert_unavailable(response, "key_set_unavailable")
            # Retry when the next fetch may run: within the default refetch interval of 5 s.
            assert int(response.headers["Retry-After"]) <= 5
            assert "could not be fetched" in response.json()["detail"]
            # Still a 401 where the keys do not matter: no token, or one that is not a JWT.
            assert_bearer_challenge(service.get(path), code="not_authenticated")
            assert_bearer_challenge(service.get(path, headers=bearer("not-a-jwt")), code="malformed_token")
        # A live check is never reached: the token cannot be verified first.
        for service, path in live_checks(services):
            assert_unavailable(service.post(path, headers=bearer(token)), "key_set_unavailable")
    finally:
        services.stop()
