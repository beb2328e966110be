"""JWKS documents a broken or hostile server could publish, fed to the key-set
parser (`StaticKeySet`) and to `JWKSClient` through its `fetch` hook and through a
real loopback HTTP server.

The properties: a document is accepted or refused with the documented error
(ValueError for a static set; UnknownKeyError / KeySetUnavailableError from
`get_key`); no fetch ends in the client's "failed unexpectedly" catch-all; every
key that is trusted is a usable public key of an allowed algorithm; and a refused
document never takes away keys that were trusted before.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import event, given, settings
from hypothesis import strategies as st
from verifier_client.exceptions import KeySetUnavailableError, UnknownKeyError

from tests.fuzz.guards import no_unexpected_errors
from tests.fuzz.strategies import json_values, objects_with, values_or
from tests.helpers.clock import FakeClock
from tests.helpers.http_fixtures import LoopbackHTTPServer
from tests.helpers.tokens import b64url, public_jwk
from verifier_client import JWKSClient, StaticKeySet

ALGORITHMS = ("RS256", "ES256")
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
SMALL_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=1024)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
GOOD_RSA = public_jwk(RSA_KEY, "rsa-1")
GOOD_EC = public_jwk(EC_KEY, "ec-1")
SMALL_RSA = public_jwk(SMALL_RSA_KEY, "small")
SIGNED = b"header.payload"




# One JWK: a real key's members mixed with wrong, missing, private or odd ones.
jwks_members = objects_with(
    {
        "kty": values_or("RSA", "EC", "OKP", "oct"),
        "kid": values_or("rsa-1", "ec-1", "", "x" * 500),
        "alg": values_or("RS256", "ES256", "none", "HS256", "RS512", "EdDSA"),
        "use": values_or("sig", "enc"),
        "key_ops": values_or(["verify"], ["sign"], []),
        "n": values_or(GOOD_RSA["n"], SMALL_RSA["n"], "", "AA", "!!"),
        "e": values_or(GOOD_RSA["e"], "", "AA", b64url(b"\x00" * 600)),
        "crv": values_or("P-256", "P-384", "Ed25519", "secp256k1"),
        "x": values_or(GOOD_EC["x"], "", "AA"),
        "y": values_or(GOOD_EC["y"], "", "AA"),
        "d": values_or("AQAB", GOOD_RSA["n"]),
        "k": values_or("c2VjcmV0"),
    }
)
jwk_entries = st.one_of(
    st.sampled_from([GOOD_RSA, GOOD_EC, SMALL_RSA]),
    st.sampled_from([GOOD_RSA, GOOD_EC]).flatmap(lambda good: jwks_members.map(lambda change: {**good, **change})),
    jwks_members,
    json_values,
)
documents = st.one_of(
    st.lists(jwk_entries, max_size=6).map(lambda keys: {"keys": keys}),
    objects_with({"keys": st.one_of(st.lists(jwk_entries, max_size=4), json_values)}),
    st.lists(jwk_entries, max_size=4),
    json_values,
)


def assert_trustworthy(key_source, kids) -> None:
    for kid in kids:
        key = key_source.get_key(kid)
        assert key.alg in ALGORITHMS
        assert key.kid == kid
        # Verification answers a bool and never raises, even for garbage signatures.
        assert key.verify(SIGNED, b"\x00" * 256) is False
        assert key.verify(SIGNED, b"") is False


@given(document=documents)
def test_the_static_key_set_accepts_or_refuses_with_value_error(document):
    with no_unexpected_errors():
        try:
            key_set = StaticKeySet(document, algorithms=ALGORITHMS)
        except ValueError as exc:
            assert str(exc).startswith("invalid key set")
            event("refused")
            return
    event(f"{len(key_set.kids)} keys trusted")
    assert_trustworthy(key_set, key_set.kids)
    assert "small" not in key_set.kids  # 1024-bit RSA is never trusted


headers = objects_with(
    {
        "Content-Type": values_or("application/json", "application/jwk-set+json", "text/html", "text/plain", ""),
        "Cache-Control": values_or("max-age=60", "no-store", "max-age=-1", "max-age=99999999999999", "max-age=\"5\""),
    }
).map(lambda h: {str(k): str(v) for k, v in h.items()})
bodies = st.one_of(documents.map(lambda d: json.dumps(d).encode()), st.binary(max_size=200))
answers = st.tuples(st.sampled_from([200, 200, 200, 204, 301, 404, 500]), headers, bodies)


# Each example is a sequence of up to four documents: half the budget covers as much.
@settings(max_examples=max(10, settings.default.max_examples // 2))
@given(answers=st.lists(answers, min_size=1, max_size=4), kid=st.sampled_from(["rsa-1", "ec-1", "nope"]))
def test_the_jwks_client_survives_any_sequence_of_answers(answers, kid):
    clock = FakeClock(1000.0)
    pending = list(answers)

    def fetch(url):
        return pending.pop(0) if pending else (200, {"Content-Type": "application/json"}, b'{"keys": []}')

    client = JWKSClient(
        "https://auth.example.test/jwks.json", fetch=fetch, clock=clock, algorithms=ALGORITHMS,
        min_refetch_interval=0,
    )
    with no_unexpected_errors():
        for _ in answers:
            try:
                client.get_key(kid)
            except (UnknownKeyError, KeySetUnavailableError) as exc:
                event(type(exc).__name__)
            else:
                event("key found")
                assert_trustworthy(client, [kid])
            # Past TTL + max_stale: the next access must fetch again.
            clock.advance(10_000)


@given(answer=answers)
def test_a_refused_document_keeps_the_keys_trusted_before(answer):
    clock = FakeClock(1000.0)
    good = (200, {"Content-Type": "application/json"}, json.dumps({"keys": [GOOD_RSA]}).encode())
    pending = [good, answer]
    client = JWKSClient(
        "https://auth.example.test/jwks.json", fetch=lambda url: pending.pop(0), clock=clock,
        algorithms=ALGORITHMS, min_refetch_interval=0,
    )
    assert client.get_key("rsa-1").kid == "rsa-1"

    with no_unexpected_errors():
        replaced = client.refresh()

    if not replaced:
        assert client.get_key("rsa-1").kid == "rsa-1"


@pytest.fixture(scope="module")
def loopback() -> Iterator[LoopbackHTTPServer]:
    with LoopbackHTTPServer() as server:
        yield server


# Real sockets are slower: a fifth of the budget, the same inputs as the fetch-hook test.
@settings(max_examples=max(10, settings.default.max_examples // 5))
@given(answer=answers)
def test_the_jwks_client_over_real_http_survives_any_answer(loopback, answer):
    status, answer_headers, body = answer
    loopback.set_response(body, status=status, headers=answer_headers)
    client = JWKSClient(loopback.url("/jwks.json"), algorithms=ALGORITHMS, timeout=5)

    with no_unexpected_errors():
        try:
            key = client.get_key("rsa-1")
        except (UnknownKeyError, KeySetUnavailableError):
            return
    assert key.alg in ALGORITHMS
