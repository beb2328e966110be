"""The auth server goes down: consumers keep verifying with the keys they hold,
fail closed once those are too old, and recover when the server is back.

Real processes: the auth server (gunicorn, 2 workers) and both example consumers
(gunicorn, 2 workers each, `--preload` so every worker holds the keys fetched at
start). The server's JWKS says `max-age=60` (the shortest cache lifetime the
verifier honours), the consumers allow AUTH_JWKS_MAX_STALE=5 more seconds. So
after the last successful fetch, the keys are trusted for 60 + 5 s; then every
token is refused with 401 `key_set_unavailable` until the JWKS answers again.
The timeline, relative to the stop, is printed (`pytest -s`) for the record;
the test asserts the order of events, not their timing.
"""

from __future__ import annotations

import time

import pytest

from tests.helpers.consumers import start_consumers
from tests.helpers.e2e_http import access_token, bearer, eventually

pytestmark = pytest.mark.slow

JWKS_MAX_AGE = 60
MAX_STALE = 5
# Bounds, not expectations: how long the test waits for each phase at most.
FAIL_CLOSED_WITHIN = JWKS_MAX_AGE + MAX_STALE + 60
RECOVER_WITHIN = 60
POLL_EVERY = 0.5
MIN_REFETCH_INTERVAL = 5  # the verifier's default
READS = [("orders", "/api/orders"), ("notifications", "/api/unread")]


class Timeline:
    def __init__(self) -> None:
        self.zero = time.monotonic()
        self.events: list[str] = []

    def mark(self, event: str) -> None:
        self.events.append(f"{time.monotonic() - self.zero:+.1f} s {event}")

    def line(self) -> str:
        return "; ".join(self.events)


def test_consumers_ride_out_an_outage_then_fail_closed_then_recover(start_auth_server, tmp_path_factory):
    server = start_auth_server(AUTHFORT_JWKS_MAX_AGE=str(JWKS_MAX_AGE))
    services = start_consumers(server, tmp_path_factory.mktemp("outage"), AUTH_JWKS_MAX_STALE=str(MAX_STALE))
    try:
        account = server.register()
        seen = account["access_token"]
        unseen = access_token(server.login(account["email"]))  # first shown to a consumer during the outage
        reads = [(getattr(services, name), path) for name, path in READS]
        for service, path in reads:
            assert service.get(path, headers=bearer(seen)).status_code == 200

        timeline = Timeline()
        server.stop_process()
        timeline.mark("auth server stopped")

        # Known keys keep working: a token seen before, and one never seen, both verify.
        for service, path in reads:
            for token in (seen, unseen):
                response = service.get(path, headers=bearer(token))
                assert response.status_code == 200, f"{service.name} refused a good token during the outage: {response.text}"
        timeline.mark("both consumers verify known tokens")
        # The live check cannot reach the server: it fails closed at once.
        refund = services.orders.post("/api/orders/1001/refund", headers=bearer(seen))
        assert refund.status_code == 503 and refund.json()["code"] == "introspection_unavailable", refund.text
        timeline.mark("refund refused (introspection unreachable)")

        # Poll until every worker of both services refuses (two refusals in a row each).
        refusals = {service.name: 0 for service, _ in reads}
        last_answer: dict[str, object] = {}

        def all_fail_closed() -> bool:
            for service, path in reads:
                response = service.get(path, headers=bearer(seen))
                if response.status_code == 200:
                    refusals[service.name] = 0
                    continue
                last_answer[service.name] = response
                if refusals[service.name] == 0:
                    timeline.mark(f"{service.name} first refusal: {response.status_code} {response.json().get('code')}")
                refusals[service.name] += 1
            return all(count >= 2 for count in refusals.values())

        assert eventually(all_fail_closed, within=FAIL_CLOSED_WITHIN, every=POLL_EVERY), (
            f"the consumers still verified {FAIL_CLOSED_WITHIN} s after the stop: {timeline.line()}"
        )
        timeline.mark("both consumers fail closed")
        for service, path in reads:
            refused = service.get(path, headers=bearer(seen))
            assert refused.status_code == 503 and refused.json()["code"] == "key_set_unavailable", refused.text
            assert int(refused.headers["Retry-After"]) >= 1
            assert "could not be fetched" in refused.json()["detail"]
            assert service.get("/api/ping").status_code == 200  # alive, only unable to verify

        server.start_process()
        restarted = time.monotonic()
        timeline.mark("auth server started again")

        def recovered() -> bool:
            return all(service.get(path, headers=bearer(seen)).status_code == 200 for service, path in reads)

        assert eventually(recovered, within=RECOVER_WITHIN, every=POLL_EVERY), timeline.line()
        timeline.mark("both consumers verify again")
        # Each worker refetches at most once per MIN_REFETCH_INTERVAL: one that failed just
        # before the restart may still refuse for that long. Past it, every worker has the keys
        # or fetches them on its next request, whichever worker answers.
        time.sleep(max(0.0, restarted + MIN_REFETCH_INTERVAL + 0.5 - time.monotonic()))
        fresh = access_token(server.login(account["email"]))
        for service, path in reads:
            response = service.get(path, headers=bearer(fresh))
            assert response.status_code == 200, f"{service.name}: {response.text}; {timeline.line()}"
        refunded = services.orders.post("/api/orders/1001/refund", headers=bearer(fresh))
        assert refunded.status_code == 200, refunded.text
        timeline.mark("new login and refund work")
        print(f"\noutage timeline (relative to the stop; JWKS max-age {JWKS_MAX_AGE} s, "
              f"AUTH_JWKS_MAX_STALE {MAX_STALE} s): {timeline.line()}")
    finally:
        services.stop()
