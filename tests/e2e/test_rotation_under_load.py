"""A key rotation while both consumers are under load: not one failed verification.

The auth server (gunicorn, 2 workers) and both example consumers (gunicorn, 2
workers each) run as real processes. Six threads send a few thousand
authenticated reads to both consumers with tokens from a session that keeps
refreshing, so fresh tokens signed by whichever key signs at that moment keep
arriving, along with older ones. Meanwhile `rotate_keys` runs as cron would
(the next key is published, the current one keeps signing), then
`rotate_keys --now` (the published key signs from now on). Every request must
succeed; the summary line (`pytest -s`) gives the measured figures.
"""

from __future__ import annotations

import time

import pytest

from tests.helpers.consumers import start_consumers
from tests.helpers.e2e_http import eventually, kid_of
from tests.helpers.load import ConsumerLoad, TokenMint

pytestmark = pytest.mark.slow

THREADS = 6
MAX_REQUESTS = 6000  # hard bounds on the load, whatever happens
MAX_SECONDS = 150
PHASE_REQUESTS = 600  # reads between the steps of the rotation
# The consumers' library default: an unknown kid triggers a JWKS refetch at most this often.
MIN_REFETCH_INTERVAL = 5


def published_kids(server) -> set[str]:
    return {key["kid"] for key in server.get("/.well-known/jwks.json").json()["keys"]}


def test_rotation_under_load_fails_no_verification(start_auth_server, tmp_path_factory):
    # KEY_CACHE_TTL=1: the server's workers see a rotation within a second (30 s by default).
    server = start_auth_server(AUTHFORT_KEY_CACHE_TTL="1")
    services = start_consumers(server, tmp_path_factory.mktemp("rotation_load"))
    consumers_ready = time.monotonic()
    try:
        account = server.register()
        old_kid = kid_of(account["access_token"])
        targets = [(services.orders, "/api/orders"), (services.notifications, "/api/unread")]
        mint = TokenMint(server, account)
        load = ConsumerLoad(targets, mint, threads=THREADS, max_requests=MAX_REQUESTS, max_seconds=MAX_SECONDS)
        timeline: list[str] = []
        with mint, load:
            def after(requests: int) -> bool:
                target = load.sent + requests
                return eventually(lambda: load.sent >= target, within=MAX_SECONDS)

            assert after(PHASE_REQUESTS)
            server.manage("rotate_keys")  # cron: publish the next key, keep signing with this one
            timeline.append(f"scheduled rotation done at request {load.sent}")
            # Take the new kid from the answer that showed both: the next request may reach
            # the other worker, whose key cache can still be up to KEY_CACHE_TTL old.
            answers: list[set[str]] = []

            def both_published() -> bool:
                answers.append(published_kids(server))
                return len(answers[-1]) == 2

            assert eventually(both_published, within=30)
            new_kid = (answers[-1] - {old_kid}).pop()
            assert after(PHASE_REQUESTS)
            assert kid_of(mint.newest()) == old_kid, "a scheduled rotation must not change the signing key"

            # A token with a kid the consumer has not cached makes it refetch the JWKS, at most
            # once per MIN_REFETCH_INTERVAL; their last fetch was at start-up, so make sure
            # that much time has passed (it always has, unless the machine was very quick).
            time.sleep(max(0.0, consumers_ready + MIN_REFETCH_INTERVAL + 1 - time.monotonic()))
            server.manage("rotate_keys", "--now")  # the published key signs from now on
            timeline.append(f"rotate_keys --now done at request {load.sent}")
            assert eventually(lambda: kid_of(mint.newest()) == new_kid, within=30)
            for service in services:
                assert eventually(lambda name=service.name: load.verified_with(name, new_kid) > 0, within=60), (
                    f"{service.name} never verified a token of the new key"
                )
            assert after(PHASE_REQUESTS)
        report = load.report()
        jwks_fetches = server.log_text().count("GET /.well-known/jwks.json")
        print(f"\nrotation under load: {report.line()}; tokens minted {mint.minted}; "
              f"JWKS requests at the auth server {jwks_fetches}; {'; '.join(timeline)}")

        assert report.failures == [], f"{len(report.failures)} failed, first ones: {report.failures[:5]}"
        assert mint.failures == []
        for service in services:
            assert report.ok_by_service_and_kid.get((service.name, old_kid), 0) > 0
            assert report.ok_by_service_and_kid.get((service.name, new_kid), 0) > 0
        assert report.requests >= 3 * PHASE_REQUESTS
    finally:
        services.stop()
