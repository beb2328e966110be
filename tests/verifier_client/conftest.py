"""Keys, token minting and a loopback JWKS server for verifier_client tests.

Plain pytest fixtures; nothing here needs Django or a database.

    def test_x(make_token, rsa_key, jwks_server):
        token = make_token(claims={"roles": ["admin"]})          # RS256, kid "rsa-1"
        token = make_token(key=ec_key)                           # ES256, kid "ec-1"
        token = make_token(header={"typ": None})                 # drop a header member
        jwks_server.url("/jwks.json")                            # serves `jwks`
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from tests.helpers.clock import FakeClock
from tests.helpers.http_fixtures import LoopbackHTTPServer
from tests.helpers.tokens import AUDIENCE, ISSUER, mint, public_jwk

JWKS_PATH = "/jwks.json"
NOW = 1_700_000_000


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    """The RSA-2048 signing key published as kid "rsa-1"."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def rsa_key_2() -> rsa.RSAPrivateKey:
    """A second RSA-2048 key (kid "rsa-2"), for rotation tests."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def rsa_1024_key() -> rsa.RSAPrivateKey:
    """A too-small RSA key that a verifier must refuse to trust."""
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


@pytest.fixture(scope="session")
def ec_key() -> ec.EllipticCurvePrivateKey:
    """A P-256 key (kid "ec-1", ES256)."""
    return ec.generate_private_key(ec.SECP256R1())


@pytest.fixture(scope="session")
def ed_key() -> ed25519.Ed25519PrivateKey:
    """An Ed25519 key (kid "ed-1", EdDSA)."""
    return ed25519.Ed25519PrivateKey.generate()


@pytest.fixture(scope="session")
def key_ids(rsa_key, rsa_key_2, rsa_1024_key, ec_key, ed_key) -> dict[int, tuple[str, str]]:
    """id(private key) -> (kid, alg) used by default when minting with that key."""
    return {
        id(rsa_key): ("rsa-1", "RS256"),
        id(rsa_key_2): ("rsa-2", "RS256"),
        id(rsa_1024_key): ("rsa-weak", "RS256"),
        id(ec_key): ("ec-1", "ES256"),
        id(ed_key): ("ed-1", "EdDSA"),
    }


@pytest.fixture
def issuer() -> str:
    return ISSUER


@pytest.fixture
def audience() -> str:
    return AUDIENCE


@pytest.fixture
def clock() -> FakeClock:
    """A hand-moved clock starting at NOW (usable as time.time or time.monotonic)."""
    return FakeClock(NOW)


@pytest.fixture
def jwks(rsa_key) -> dict[str, Any]:
    """The JWKS publishing only the RSA key "rsa-1" (RS256, use sig)."""
    return {"keys": [public_jwk(rsa_key, "rsa-1")]}


@pytest.fixture
def jwk_of(key_ids) -> Callable[..., dict[str, Any]]:
    """`jwk_of(key, **overrides)`: the public JWK of a fixture key with its default kid/alg."""

    def _jwk_of(key: Any, **overrides: Any) -> dict[str, Any]:
        kid, alg = key_ids[id(key)]
        overrides.setdefault("kid", kid)
        overrides.setdefault("alg", alg)
        return public_jwk(key, **overrides)

    return _jwk_of


@pytest.fixture
def make_token(rsa_key, key_ids) -> Callable[..., str]:
    """`make_token(claims=None, header=None, key=None, **kw)` -> compact JWS.

    Defaults: RS256 with `rsa_key`, kid "rsa-1", typ "at+jwt", valid claims for
    ISSUER/AUDIENCE issued now (pass `now=` to pin it). `kid=` / `alg=` override the
    key's defaults; see `tests.helpers.tokens.mint` for `raw_header`, `raw_payload`
    and `signature`.
    """

    def _make_token(
        claims: dict[str, Any] | None = None,
        header: dict[str, Any] | None = None,
        key: Any = None,
        **kwargs: Any,
    ) -> str:
        key = rsa_key if key is None else key
        kid, alg = key_ids.get(id(key), (None, "HS256"))
        kwargs.setdefault("kid", kid)
        kwargs.setdefault("alg", alg)
        return mint(key, claims=claims, header=header, **kwargs)

    return _make_token


@pytest.fixture
def http_server() -> Iterator[LoopbackHTTPServer]:
    """A started loopback server answering 404 until configured."""
    server = LoopbackHTTPServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def jwks_server(http_server: LoopbackHTTPServer, jwks) -> LoopbackHTTPServer:
    """The loopback server publishing `jwks` at JWKS_PATH with max-age=300."""
    http_server.set_json(jwks, headers={"Cache-Control": "max-age=300"}, path=JWKS_PATH)
    return http_server


@pytest.fixture
def jwks_url(jwks_server: LoopbackHTTPServer) -> str:
    return jwks_server.url(JWKS_PATH)
