"""JWKSClient and StaticKeySet: caching, refresh, failure and key-hygiene policy.

Unit tests inject `fetch` and `clock`; the integration tests at the end talk to a
real HTTP server on loopback.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from verifier_client._jose import b64url_decode

from tests.helpers.clock import FakeClock
from tests.helpers.tokens import public_jwk
from verifier_client import (
    FetchResponse,
    JWKSClient,
    KeySet,
    KeySetUnavailableError,
    StaticKeySet,
    UnknownKeyError,
    VerificationKey,
)

URL = "https://auth.example.test/.well-known/jwks.json"


class FakeFetch:
    """A `fetch` seam: answers with `self.response` (or raises `self.error`) and counts calls."""

    def __init__(self, document=None, *, status=200, headers=None, body=None):
        self.calls = 0
        self.error: Exception | None = None
        self.gate: threading.Event | None = None
        self.serve(document, status=status, headers=headers, body=body)

    def serve(self, document=None, *, status=200, headers=None, body=None):
        if body is None:
            body = json.dumps(document).encode()
        self.response = FetchResponse(status, headers or {"Content-Type": "application/json"}, body)
        self.error = None

    def fail(self, error: Exception | None = None):
        self.error = error or ConnectionError("auth server down")

    def __call__(self, url):
        self.calls += 1
        if self.gate is not None:
            self.gate.wait(5)
        if self.error is not None:
            raise self.error
        return self.response


@pytest.fixture
def mono() -> FakeClock:
    return FakeClock(1000.0)


@pytest.fixture
def make_client(mono):
    def _make(fetch, **options):
        options.setdefault("clock", mono)
        return JWKSClient(URL, fetch=fetch, **options)

    return _make


def _wait(client: JWKSClient) -> None:
    client.wait_for_refresh(timeout=5)


# ------------------------------------------------------------------ basics
def test_first_get_key_fetches_and_returns_the_published_key(make_client, jwks):
    fetch = FakeFetch(jwks)
    key = make_client(fetch).get_key("rsa-1")
    assert (key.kid, key.alg, key.revoked) == ("rsa-1", "RS256", False)
    assert fetch.calls == 1


def test_keys_are_served_from_cache_within_ttl(make_client, jwks, mono):
    fetch = FakeFetch(jwks)
    client = make_client(fetch)
    client.get_key("rsa-1")
    mono.advance(200)
    client.get_key("rsa-1")
    assert fetch.calls == 1


def test_unknown_kid_raises_after_one_refetch(make_client, jwks, mono):
    fetch = FakeFetch(jwks)
    client = make_client(fetch)
    client.get_key("rsa-1")
    mono.advance(10)
    with pytest.raises(UnknownKeyError):
        client.get_key("nope")
    assert fetch.calls == 2


def test_unknown_kid_refetch_finds_a_freshly_rotated_key(make_client, jwks, jwk_of, rsa_key_2, mono):
    fetch = FakeFetch(jwks)
    client = make_client(fetch)
    client.get_key("rsa-1")
    fetch.serve({"keys": jwks["keys"] + [jwk_of(rsa_key_2)]})
    mono.advance(10)
    assert client.get_key("rsa-2").kid == "rsa-2"


def test_unknown_kid_refetch_is_rate_limited(make_client, jwks, mono):
    fetch = FakeFetch(jwks)
    client = make_client(fetch, min_refetch_interval=30)
    client.get_key("rsa-1")
    for _ in range(5):
        with pytest.raises(UnknownKeyError):
            client.get_key("nope")
    assert fetch.calls == 1
    mono.advance(30)
    with pytest.raises(UnknownKeyError):
        client.get_key("nope")
    assert fetch.calls == 2


def test_concurrent_unknown_kids_share_one_fetch(make_client, jwks):
    fetch = FakeFetch(jwks)
    fetch.gate = threading.Event()
    client = make_client(fetch)
    results = []

    def ask():
        try:
            results.append(client.get_key("rsa-1").kid)
        except Exception as exc:  # pragma: no cover - reported by the assert below
            results.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    fetch.gate.set()
    for t in threads:
        t.join(5)
    assert results == ["rsa-1"] * 8
    assert fetch.calls == 1


# ------------------------------------------------------------------ ttl
@pytest.mark.parametrize(
    ("cache_control", "expected_ttl"),
    [
        (None, 300),  # constructor default
        ("max-age=120", 120),
        ("public, max-age=600", 600),
        ("max-age=1", 60),  # clamped up to min_cache_ttl
        ("max-age=999999", 3600),  # clamped down to max_cache_ttl
        ("no-store", 60),
        ("max-age=banana", 300),
    ],
)
def test_cache_ttl_follows_max_age_within_bounds(make_client, jwks, mono, cache_control, expected_ttl):
    headers = {"Content-Type": "application/json"}
    if cache_control:
        headers["Cache-Control"] = cache_control
    fetch = FakeFetch(jwks, headers=headers)
    client = make_client(fetch, min_refetch_interval=0)
    client.get_key("rsa-1")
    snapshot = client._snapshot
    assert snapshot.unusable_at - 1000.0 == pytest.approx(expected_ttl + client.max_stale)


def test_constructor_cache_ttl_is_honoured_below_the_header_bounds(make_client, jwks, mono):
    fetch = FakeFetch(jwks)
    client = make_client(fetch, cache_ttl=5, max_stale=0, min_refetch_interval=0)
    client.get_key("rsa-1")
    mono.advance(5)
    fetch.fail()
    with pytest.raises(KeySetUnavailableError):
        client.get_key("rsa-1")


def test_refresh_ahead_of_expiry_runs_in_background_and_serves_current_keys(
    make_client, jwks, jwk_of, rsa_key_2, mono
):
    fetch = FakeFetch(jwks)
    client = make_client(fetch)
    client.get_key("rsa-1")
    fetch.serve({"keys": jwks["keys"] + [jwk_of(rsa_key_2)]})
    fetch.gate = threading.Event()  # the network is slow: the caller must not wait
    mono.advance(250)  # past 80 % of 300 s
    assert client.get_key("rsa-1").kid == "rsa-1"
    fetch.gate.set()
    _wait(client)
    assert fetch.calls == 2
    assert client.kids == {"rsa-1", "rsa-2"}


def test_warm_path_takes_no_lock_while_no_refresh_may_start(make_client, jwks, mono):
    # After a failed background refresh, refresh_at stays in the past until the
    # next success; the accesses in between must not all queue on the lock.
    fetch = FakeFetch(jwks)
    client = make_client(fetch, min_refetch_interval=30)
    client.get_key("rsa-1")
    fetch.fail()
    mono.advance(250)  # past 80 % of the TTL: one background attempt, which fails
    client.get_key("rsa-1")
    _wait(client)
    done = threading.Event()

    def warm_accesses():
        for _ in range(100):
            client.get_key("rsa-1")
        done.set()

    with client._lock:  # held elsewhere: a warm access that wants it would hang
        worker = threading.Thread(target=warm_accesses, daemon=True)
        worker.start()
        finished = done.wait(2)
    worker.join(5)
    assert finished
    assert fetch.calls == 2


# ------------------------------------------------------------------ failures
def test_failed_refresh_keeps_serving_last_good_keys_within_max_stale(make_client, jwks, mono):
    fetch = FakeFetch(jwks)
    client = make_client(fetch, max_stale=600)
    client.get_key("rsa-1")
    fetch.fail()
    mono.advance(300 + 599)
    assert client.get_key("rsa-1").kid == "rsa-1"
    _wait(client)


def test_key_set_unavailable_once_max_stale_has_passed(make_client, jwks, mono):
    fetch = FakeFetch(jwks)
    client = make_client(fetch, max_stale=600)
    client.get_key("rsa-1")
    fetch.fail()
    mono.advance(300 + 600)
    with pytest.raises(KeySetUnavailableError, match="auth server down|ConnectionError"):
        client.get_key("rsa-1")


def test_first_fetch_failure_is_key_set_unavailable(make_client):
    fetch = FakeFetch({})
    fetch.fail()
    with pytest.raises(KeySetUnavailableError):
        make_client(fetch).get_key("rsa-1")


def test_unavailable_says_when_the_next_fetch_may_run(make_client, mono):
    fetch = FakeFetch({})
    fetch.fail()
    client = make_client(fetch, min_refetch_interval=30)

    with pytest.raises(KeySetUnavailableError) as first:
        client.get_key("rsa-1")
    mono.advance(12.5)
    with pytest.raises(KeySetUnavailableError) as later:
        client.get_key("rsa-1")

    assert first.value.retry_after == 30
    assert later.value.retry_after == 18  # 17.5 s left, in whole seconds rounded up
    assert fetch.calls == 1


def test_unavailable_asks_for_at_least_a_second_when_refetching_is_not_rate_limited(make_client):
    fetch = FakeFetch({})
    fetch.fail()

    with pytest.raises(KeySetUnavailableError) as info:
        make_client(fetch, min_refetch_interval=0).get_key("rsa-1")

    assert info.value.retry_after == 1


def test_failed_fetch_does_not_wipe_the_cache(make_client, jwks, mono):
    fetch = FakeFetch(jwks)
    client = make_client(fetch)
    client.get_key("rsa-1")
    fetch.fail()
    mono.advance(10)
    with pytest.raises(UnknownKeyError):
        client.get_key("other")  # triggers a failing refetch
    assert client.get_key("rsa-1").revoked is False


def test_recovery_after_outage_resumes_normal_service(make_client, jwks, mono):
    fetch = FakeFetch(jwks)
    client = make_client(fetch, max_stale=0)
    client.get_key("rsa-1")
    fetch.fail()
    mono.advance(300)
    with pytest.raises(KeySetUnavailableError):
        client.get_key("rsa-1")
    fetch.serve(jwks)
    mono.advance(5)
    assert client.get_key("rsa-1").kid == "rsa-1"


def test_key_missing_from_a_successful_fetch_is_revoked_at_once(make_client, jwks, jwk_of, rsa_key_2, mono):
    fetch = FakeFetch(jwks)
    client = make_client(fetch)
    old = client.get_key("rsa-1")
    fetch.serve({"keys": [jwk_of(rsa_key_2)]})
    mono.advance(10)
    client.get_key("rsa-2")
    assert old.revoked is True
    with pytest.raises(UnknownKeyError):
        client.get_key("rsa-1")


def test_unchanged_key_keeps_its_identity_across_refreshes(make_client, jwks, mono):
    fetch = FakeFetch(jwks)
    client = make_client(fetch, min_refetch_interval=0)
    first = client.get_key("rsa-1")
    client.refresh()
    assert client.get_key("rsa-1") is first and not first.revoked


def test_key_material_changed_under_same_kid_revokes_the_old_key(make_client, jwks, jwk_of, rsa_key_2):
    fetch = FakeFetch(jwks)
    client = make_client(fetch, min_refetch_interval=0)
    first = client.get_key("rsa-1")
    fetch.serve({"keys": [jwk_of(rsa_key_2, kid="rsa-1")]})
    client.refresh()
    assert first.revoked and client.get_key("rsa-1") is not first


@pytest.mark.parametrize(
    ("status", "headers", "body"),
    [
        (500, {}, b"oops"),
        (302, {"Location": "https://evil.example/jwks"}, b""),
        (200, {"Content-Type": "text/html"}, b"<html>login</html>"),
        (200, {"Content-Type": "application/json"}, b"<html>login</html>"),
        (200, {"Content-Type": "application/json"}, b"[1, 2]"),
        (200, {"Content-Type": "application/json"}, b'{"keys": "nope"}'),
        (200, {"Content-Type": "application/json"}, b"[" * 100_000),
        (200, {"Content-Type": "application/json"}, b'{"keys": [], "keys": []}'),
        (200, {}, b"x" * (256 * 1024 + 1)),
    ],
    ids=["5xx", "redirect", "html", "html-labelled-json", "array", "keys-not-list", "nested", "dup-member", "huge"],
)
def test_unusable_response_keeps_previous_set(make_client, jwks, mono, status, headers, body):
    fetch = FakeFetch(jwks)
    client = make_client(fetch, min_refetch_interval=0)
    key = client.get_key("rsa-1")
    fetch.response = FetchResponse(status, headers, body)
    assert client.refresh() is False
    assert client.get_key("rsa-1") is key and not key.revoked


def test_jwks_with_duplicate_kids_is_rejected_whole(make_client, jwks, jwk_of, rsa_key_2):
    fetch = FakeFetch(jwks)
    client = make_client(fetch, min_refetch_interval=0)
    key = client.get_key("rsa-1")
    fetch.serve({"keys": [jwk_of(rsa_key_2, kid="rsa-1"), jwk_of(rsa_key_2, kid="rsa-1")]})
    assert client.refresh() is False
    assert client.get_key("rsa-1") is key


def test_jwks_with_too_many_keys_is_rejected_whole(make_client, jwks, jwk_of, ec_key):
    fetch = FakeFetch(jwks)
    client = make_client(fetch, min_refetch_interval=0, algorithms=("RS256", "ES256"))
    client.get_key("rsa-1")
    fetch.serve({"keys": [jwk_of(ec_key, kid=f"k{i}") for i in range(10_000)]})
    assert client.refresh() is False
    assert client.kids == {"rsa-1"}


# ------------------------------------------------------------------ key hygiene
@pytest.mark.parametrize(
    "mutation",
    [
        {"d": "AQAB"},
        {"p": "AQAB"},
        {"q": "AQAB"},
        {"dp": "AQAB"},
        {"dq": "AQAB"},
        {"qi": "AQAB"},
        {"k": "AQAB"},
        {"use": "enc"},
        {"key_ops": ["encrypt"]},
        {"key_ops": "verify"},
        {"alg": "RS512"},
        {"alg": "HS256"},
        {"alg": "none"},
        {"alg": "ES256"},
        {"kty": "oct"},
        {"kty": "RSA", "n": "!!!"},
        {"n": 12345},
        {"e": "AAE"},  # e = 1
        {"kid": 7},
        {"kid": ""},
        {"kid": "x" * 10_000},
    ],
    ids=lambda m: ",".join(f"{k}={str(v)[:12]}" for k, v in m.items()),
)
def test_unsafe_or_unusable_key_is_skipped(jwk_of, rsa_key, mutation, caplog):
    entry = {**jwk_of(rsa_key), **mutation}
    with caplog.at_level(logging.WARNING, logger="verifier_client.jwks"):
        keys = StaticKeySet({"keys": [entry]})
    assert keys.kids == frozenset()
    assert "Skipping JWK" in caplog.text


def test_rsa_key_under_2048_bits_is_skipped(jwk_of, rsa_1024_key, rsa_key):
    keys = StaticKeySet({"keys": [jwk_of(rsa_1024_key), jwk_of(rsa_key)]})
    assert keys.kids == {"rsa-1"}


def test_skipped_key_log_names_kid_and_reason_but_no_key_material(jwk_of, rsa_key, caplog):
    entry = {**jwk_of(rsa_key), "d": "SECRETSECRET"}
    with caplog.at_level(logging.WARNING, logger="verifier_client.jwks"):
        StaticKeySet([entry])
    assert "rsa-1" in caplog.text and "private" in caplog.text
    assert "SECRETSECRET" not in caplog.text and entry["n"][:20] not in caplog.text


@pytest.mark.parametrize(
    "document",
    [
        {"keys": [None, 1, "x", [], {"kty": {"a": 1}}]},
        {"keys": [{"kty": "EC", "crv": "P-256", "kid": "e", "alg": "ES256", "x": "AA", "y": "AA"}]},
        {"keys": [{"kty": "EC", "crv": "P-256", "kid": "e", "alg": "ES256", "x": "A" * 43, "y": "A" * 43}]},
        {"keys": [{"kty": "OKP", "crv": "X25519", "kid": "o", "alg": "EdDSA", "x": "A" * 43}]},
        {"keys": [{"kty": "RSA", "kid": "r", "n": "A" * 5000, "e": "AQAB"}]},
    ],
    ids=["junk-entries", "ec-short", "ec-off-curve", "x25519", "rsa-zero-modulus"],
)
def test_hostile_jwk_content_never_raises_foreign_errors(document):
    keys = StaticKeySet(document, algorithms=("RS256", "ES256", "EdDSA"))
    assert keys.kids == frozenset()


def test_ec_and_ed25519_keys_are_accepted_when_allowed(jwk_of, ec_key, ed_key):
    keys = StaticKeySet([jwk_of(ec_key), jwk_of(ed_key)], algorithms=("ES256", "EdDSA"))
    assert keys.kids == {"ec-1", "ed-1"}


def test_jwk_without_alg_gets_the_default_algorithm_of_its_type(jwk_of, rsa_key):
    entry = jwk_of(rsa_key)
    del entry["alg"]
    assert StaticKeySet([entry]).get_key("rsa-1").alg == "RS256"


def test_static_key_set_rejects_duplicate_kids(jwk_of, rsa_key):
    with pytest.raises(ValueError, match="duplicate kid"):
        StaticKeySet([jwk_of(rsa_key), jwk_of(rsa_key)])


def test_static_key_set_update_revokes_removed_keys(jwk_of, rsa_key, rsa_key_2):
    keys = StaticKeySet([jwk_of(rsa_key)])
    old = keys.get_key("rsa-1")
    keys.update([jwk_of(rsa_key_2)])
    assert old.revoked
    with pytest.raises(UnknownKeyError):
        keys.get_key("rsa-1")


def test_static_key_set_update_keeps_unchanged_key_objects(jwk_of, rsa_key, rsa_key_2):
    keys = StaticKeySet([jwk_of(rsa_key)])
    kept = keys.get_key("rsa-1")

    keys.update([jwk_of(rsa_key), jwk_of(rsa_key_2)])

    assert keys.get_key("rsa-1") is kept and not kept.revoked
    assert keys.kids == {"rsa-1", "rsa-2"}


def test_static_key_set_update_with_an_invalid_set_changes_nothing(jwk_of, rsa_key):
    keys = StaticKeySet([jwk_of(rsa_key)])
    kept = keys.get_key("rsa-1")

    with pytest.raises(ValueError, match="invalid key set"):
        keys.update({"keys": "not a list"})

    assert keys.get_key("rsa-1") is kept and not kept.revoked


def test_racing_static_key_set_updates_never_install_a_revoked_key():
    # Two threads replace the set at the same moment, each with half of it. Each
    # merge revokes the half it drops; unserialised, the set installed last can
    # hold keys the other merge has just revoked. Without the lock in update()
    # a few rounds in a hundred end that way on CPython; with it, none may.
    halves = [
        [public_jwk(ed25519.Ed25519PrivateKey.generate(), f"{half}{i}") for i in range(20)] for half in "ab"
    ]
    everything = halves[0] + halves[1]
    keys = StaticKeySet(everything, algorithms=("EdDSA",))
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as the interpreter allows
    try:
        for round_ in range(300):
            keys.update(everything)
            start = threading.Barrier(2)

            def replace(half):
                start.wait()
                keys.update(half)

            writers = [threading.Thread(target=replace, args=(half,)) for half in halves]
            for writer in writers:
                writer.start()
            for writer in writers:
                writer.join(timeout=10)
            revoked = sorted(kid for kid in keys.kids if keys.get_key(kid).revoked)
            assert not revoked, f"round {round_}: installed but revoked: {revoked}"
    finally:
        sys.setswitchinterval(interval)


# ------------------------------------------------------------------ VerificationKey.from_jwk
def test_from_jwk_builds_a_key_that_verifies_its_own_signatures(jwk_of, rsa_key, make_token):
    key = VerificationKey.from_jwk(jwk_of(rsa_key))
    header, payload, signature = make_token().split(".")

    assert (key.kid, key.alg, key.revoked) == ("rsa-1", "RS256", False)
    assert key.verify(f"{header}.{payload}".encode(), b64url_decode(signature))
    assert not key.verify(f"{header}.{payload}x".encode(), b64url_decode(signature))


def test_from_jwk_gives_an_alg_less_key_the_default_of_its_type(jwk_of, ec_key):
    entry = jwk_of(ec_key)
    del entry["alg"]

    assert VerificationKey.from_jwk(entry).alg == "ES256"


@pytest.mark.parametrize(
    ("mutation", "reason"),
    [
        ({"d": "AQAB"}, "private or symmetric key material"),
        ({"use": "enc"}, "use 'enc' is not 'sig'"),
        ({"kty": "oct"}, "not an asymmetric signing key type"),
        ({"alg": "HS256"}, "not in the allowlist"),
        ({"kid": ""}, "kid"),
    ],
)
def test_from_jwk_refuses_unsafe_keys_saying_why(jwk_of, rsa_key, mutation, reason):
    with pytest.raises(ValueError, match=reason):
        VerificationKey.from_jwk({**jwk_of(rsa_key), **mutation})


def test_from_jwk_refuses_a_short_rsa_key(jwk_of, rsa_1024_key):
    with pytest.raises(ValueError, match="RSA modulus of 1024 bits"):
        VerificationKey.from_jwk(jwk_of(rsa_1024_key))


def test_from_jwk_narrows_to_the_algorithms_asked_for(jwk_of, ec_key):
    with pytest.raises(ValueError, match="not in the allowlist"):
        VerificationKey.from_jwk(jwk_of(ec_key), algorithms=("RS256",))


def test_key_set_protocol_is_recognised_at_run_time(jwks):
    class Custom:
        def get_key(self, kid):
            raise UnknownKeyError()

    assert isinstance(StaticKeySet(jwks), KeySet)
    assert isinstance(JWKSClient(URL), KeySet)
    assert isinstance(Custom(), KeySet)
    assert not isinstance(jwks, KeySet)


@pytest.mark.parametrize("algorithms", [("none",), ("HS256",), ()])
def test_algorithm_allowlist_refuses_symmetric_none_and_empty(jwks, algorithms):
    with pytest.raises(ValueError):
        StaticKeySet(jwks, algorithms=algorithms)


# ------------------------------------------------------------------ transport policy
@pytest.mark.parametrize(
    "url",
    ["http://auth.example.test/jwks.json", "ftp://auth.example.test/jwks", "file:///etc/passwd", "/jwks.json"],
)
def test_non_https_url_is_refused_at_construction(url):
    with pytest.raises(ValueError):
        JWKSClient(url)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000/jwks", "http://localhost/jwks", "http://[::1]:9/jwks", "http://127.9.9.9/j"]
)
def test_plain_http_is_allowed_on_loopback(url):
    JWKSClient(url)


def test_plain_http_is_allowed_with_explicit_opt_in():
    JWKSClient("http://auth.internal/jwks.json", allow_insecure_http=True)


def test_fork_resets_locks_in_the_child(make_client, jwks):
    client = make_client(FakeFetch(jwks))
    client.get_key("rsa-1")
    client._lock.acquire()  # as if a refresh were running in another thread at fork time
    client._in_flight = True
    pid = os.fork()
    if pid == 0:  # child: must neither deadlock nor believe a fetch is running
        ok = client._lock.acquire(timeout=1) and not client._in_flight and client.kids == {"rsa-1"}
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    client._in_flight = False
    client._lock.release()
    assert os.waitstatus_to_exitcode(status) == 0


# ------------------------------------------------------------------ real HTTP on loopback
def test_fetches_jwks_over_real_http_and_honours_max_age(jwks_server, jwks_url):
    clock = FakeClock(0)
    client = JWKSClient(jwks_url, clock=clock)
    assert client.get_key("rsa-1").kid == "rsa-1"
    clock.advance(200)
    client.get_key("rsa-1")
    assert jwks_server.hits == 1


def test_redirect_is_not_followed(http_server, jwks):
    http_server.set_json(jwks, path="/real")
    http_server.set_response(b"", status=302, headers={"Location": http_server.url("/real")}, path="/jwks")
    client = JWKSClient(http_server.url("/jwks"))
    with pytest.raises(KeySetUnavailableError, match="redirect"):
        client.get_key("rsa-1")
    assert http_server.hits_for("/real") == 0


def test_response_over_size_cap_is_refused_without_reading_it_all(http_server):
    http_server.set_response(b" " * (4 * 1024 * 1024) + b"{}", path="/jwks")
    client = JWKSClient(http_server.url("/jwks"), max_response_bytes=64 * 1024)
    with pytest.raises(KeySetUnavailableError, match="cap"):
        client.get_key("rsa-1")


def test_chunked_response_over_size_cap_is_refused(http_server):
    def handler(request):
        from tests.helpers.http_fixtures import CannedResponse

        return CannedResponse(body=b" " * (300 * 1024), headers={"X-Test": "1"})

    http_server.set_handler(handler)
    client = JWKSClient(http_server.url("/jwks"), max_response_bytes=64 * 1024)
    with pytest.raises(KeySetUnavailableError, match="cap"):
        client.get_key("rsa-1")


def test_compressed_response_is_refused(http_server, jwks):
    # A gzip body could expand far past the size cap once decoded.
    http_server.set_json(jwks, headers={"Content-Encoding": "gzip"}, path="/jwks")
    client = JWKSClient(http_server.url("/jwks"))
    with pytest.raises(KeySetUnavailableError, match="Content-Encoding"):
        client.get_key("rsa-1")
    assert http_server.requests[0].headers["Accept-Encoding"] == "identity"


def test_slow_server_times_out(http_server, jwks):
    http_server.set_json(jwks, delay=1.0, path="/jwks")
    client = JWKSClient(http_server.url("/jwks"), timeout=0.2)
    with pytest.raises(KeySetUnavailableError, match="timed out|request failed"):
        client.get_key("rsa-1")


def test_trickling_server_is_cut_off_at_the_deadline(http_server, jwks):
    body = json.dumps(jwks).encode()
    http_server.set_response(body, trickle=0.05, trickle_chunk=8, path="/jwks")
    client = JWKSClient(http_server.url("/jwks"), timeout=0.3)
    with pytest.raises(KeySetUnavailableError, match="not complete|timed out"):
        client.get_key("rsa-1")


# ------------------------------------------------------------------ signature primitives
def test_rs256_key_accepts_exactly_pkcs1_sha256_signatures(jwk_of, rsa_key):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    key = StaticKeySet([jwk_of(rsa_key)]).get_key("rsa-1")
    data = b"header.payload"
    good = rsa_key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    assert key.verify(data, good)
    for other in (hashes.SHA1(), hashes.SHA384(), hashes.SHA512()):
        assert not key.verify(data, rsa_key.sign(data, padding.PKCS1v15(), other))
    pss = padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32)
    assert not key.verify(data, rsa_key.sign(data, pss, hashes.SHA256()))
    assert not key.verify(data + b"x", good)
    assert not key.verify(data, good[:-1])
    assert not key.verify(data, b"\x00" + good[:-1])
    assert not key.verify(data, b"\xff" * len(good))


def test_es256_key_rejects_der_and_out_of_range_signatures(jwk_of, ec_key):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    key = StaticKeySet([jwk_of(ec_key)], algorithms=("ES256",)).get_key("ec-1")
    der = ec_key.sign(b"data", ec.ECDSA(hashes.SHA256()))
    assert not key.verify(b"data", der)  # JWS wants raw r||s, never DER
    assert not key.verify(b"data", b"\x00" * 64)
    assert not key.verify(b"data", b"\xff" * 64)


@pytest.mark.parametrize(
    "bad",
    [
        {"body": b"<!doctype html><title>Sign in</title>", "headers": {"Content-Type": "text/html"}},
        {"body": b" " * (300 * 1024)},
        {"body": b"{}", "delay": 1.0},
        {"body": None},  # duplicate kids, filled in below
    ],
    ids=["html", "huge", "slow", "duplicate-kids"],
)
def test_bad_refresh_over_http_keeps_the_previous_set(http_server, jwks, jwk_of, rsa_key_2, bad):
    http_server.set_json(jwks, path="/jwks")
    clock = FakeClock(0)
    client = JWKSClient(http_server.url("/jwks"), clock=clock, timeout=0.3)
    key = client.get_key("rsa-1")
    body = bad["body"]
    if body is None:
        body = json.dumps({"keys": [jwk_of(rsa_key_2, kid="rsa-1"), jwk_of(rsa_key_2, kid="rsa-1")]})
    http_server.set_response(body, headers=bad.get("headers"), delay=bad.get("delay", 0.0), path="/jwks")
    clock.advance(10)
    assert client.refresh() is False
    assert http_server.hits == 2
    assert client.get_key("rsa-1") is key and not key.revoked
