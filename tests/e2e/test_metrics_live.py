"""/metrics of a real gunicorn server: counts are exact across workers, even workers that died."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.observability.metrics_scrape import samples

pytestmark = pytest.mark.slow

LOGINS = 6


def test_counters_sum_every_worker_including_replaced_ones(start_auth_server, tmp_path):
    metrics_dir = tmp_path / "prometheus"
    # Each worker is replaced after a few requests, so the flow below is served by
    # many processes; only a multiprocess-aware scrape can report the exact totals.
    server = start_auth_server(
        workers=2, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), GUNICORN_CMD_ARGS="--max-requests 3"
    )
    account = server.register()
    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = list(pool.map(lambda _: server.login(account["email"]).status_code, range(LOGINS)))
    assert statuses == [200] * LOGINS
    tokens = server.login(account["email"]).json()
    assert server.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}).status_code == 200
    assert server.post("/auth/refresh", {"refresh_token": tokens["refresh_token"]}).status_code == 401

    scrapes = [samples(server.get("/metrics").text) for _ in range(4)]

    pids = {path.name.split("_")[-1] for path in metrics_dir.glob("counter_*.db")}
    assert len(pids) > 2, "the workers were not replaced; the test proves nothing"
    for scraped in scrapes:  # whichever worker answers
        assert scraped["authfort_login_total"][("success",)] == LOGINS + 1
        assert scraped["authfort_register_total"][()] == 1
        assert scraped["authfort_refresh_total"][("success",)] == 1
        assert scraped["authfort_refresh_total"][("reused",)] == 1
        assert scraped["authfort_token_issue_seconds_count"][("login",)] == LOGINS + 1
        assert scraped["authfort_signing_keys"][("active",)] == 1
        assert scraped["authfort_key_rotation_total"][()] == 1


def test_a_restarted_server_starts_its_counters_from_zero(start_auth_server, tmp_path):
    metrics_dir = tmp_path / "prometheus"
    first = start_auth_server(workers=1, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))
    first.register()
    first.stop()

    second = start_auth_server(workers=1, PROMETHEUS_MULTIPROC_DIR=str(metrics_dir))

    assert samples(second.get("/metrics").text)["authfort_register_total"][()] == 0


def test_without_a_configured_directory_the_server_makes_its_own(auth_server):
    account = auth_server.register()
    auth_server.login(account["email"])

    scraped = samples(auth_server.get("/metrics").text)

    assert scraped["authfort_login_total"][("success",)] >= 1
    assert "multiprocess directory" in auth_server.log_text()
