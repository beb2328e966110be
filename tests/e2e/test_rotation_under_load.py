"""A key rotation while both consumers are under load: not one failed verification.

The auth server (gunicorn, 2 workers) and both example consumers (gunicorn, 2
workers each) run as real processes. Four threads send authenticated reads to
both consumers with tokens from a session that keeps refreshing, so fresh tokens
signed by whichever key signs at that moment keep arriving, along with older
ones. Meanwhile `rotate_keys` runs as cron would (the next key is published, the
current one keeps signing), then `rotate_keys --now` (the published key signs
from now on). Every request must succeed; the summary line (`pytest -s`) gives
the measured figures.

Nothing here depends on how fast the machine is: the phases are counted in
requests and refreshes, not seconds. The server's key cache is off
(KEY_CACHE_TTL=0), so each step is visible to every worker by the next request,
and the consumers may refetch the JWKS for an unknown kid at once
(MIN_REFETCH_INTERVAL=0), as they would once their usual interval has passed.
The wall-clock bounds below only stop a hung run; a passing run never nears them.
"""

from __future__ import annotations

import pytest

from tests.helpers.consumers import start_consumers
from tests.helpers.e2e_http import eventually, kid_of
from tests.helpers.load import ConsumerLoad, TokenMint

pytestmark = pytest.mark.slow

THREADS = 4
PHASE_REQUESTS = 150  # reads between the steps of the rotation
# After the switch, each consumer must verify a token of the new key within this many
# reads (about half carry the newest token, so the first one comes within a few).
CATCH_UP_REQUESTS = 2000
MAX_REQUESTS = 4 * PHASE_REQUESTS + 2 * CATCH_UP_REQUESTS  # hard bound on the load
HANG_GUARD_SECONDS = 600  # only a hung process gets here


def published_kids(server) -> set[str]:
    return {key["kid"] for key in server.get("/.well-known/jwks.json").json()["keys"]}


def test_rotation_under_load_fails_no_verification(start_auth_server, tmp_path_factory):
    server = start_auth_server(AUTHFORT_KEY_CACHE_TTL="0")
    services = start_consumers(
        server, tmp_path_factory.mktemp("rotation_load"), AUTH_JWKS_MIN_REFETCH_INTERVAL="0"
    )
    try:
        account = server.register()
        old_kid = kid_of(account["access_token"])
        targets = [(services.orders, "/api/orders"), (services.notifications, "/api/unread")]
        mint = TokenMint(server, account)
        load = ConsumerLoad(
            targets, mint, threads=THREADS, max_requests=MAX_REQUESTS, max_seconds=HANG_GUARD_SECONDS
        )
        timeline: list[str] = []
        with mint, load:

            def reads_reach(target: int) -> bool:
                return eventually(lambda: load.sent >= target or load.finished, within=HANG_GUARD_SECONDS)

            def refreshes_pass(count: int) -> None:
                target = mint.minted + count
                assert eventually(lambda: mint.minted >= target or bool(mint.failures), within=HANG_GUARD_SECONDS)
                assert mint.failures == []

            assert reads_reach(PHASE_REQUESTS)
            server.manage("rotate_keys")  # cron: publish the next key, keep signing with this one
            timeline.append(f"scheduled rotation done at request {load.sent}")
            kids = published_kids(server)
            assert len(kids) == 2 and old_kid in kids, kids
            new_kid = (kids - {old_kid}).pop()
            refreshes_pass(2)
            assert kid_of(mint.newest()) == old_kid, "a scheduled rotation must not change the signing key"
            assert reads_reach(load.sent + PHASE_REQUESTS)

            server.manage("rotate_keys", "--now")  # the published key signs from now on
            switched_at = load.sent
            timeline.append(f"rotate_keys --now done at request {switched_at}")
            refreshes_pass(2)
            assert kid_of(mint.newest()) == new_kid
            for service in services:
                name = service.name
                eventually(
                    lambda name=name: load.verified_with(name, new_kid) > 0
                    or load.sent >= switched_at + CATCH_UP_REQUESTS
                    or load.finished,
                    within=HANG_GUARD_SECONDS,
                )
                assert load.verified_with(name, new_kid) > 0, (
                    f"{name} verified no token of the new key in {load.sent - switched_at} reads after the switch"
                )
            assert reads_reach(load.sent + PHASE_REQUESTS)
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
