"""keys: generation, public JWKs with only public members, RFC 7638 kids, PKCS#8."""

from __future__ import annotations

import base64

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from authfort_django.keys.crypto import (
    UnsupportedAlgorithm,
    generate_private_key,
    jwk_thumbprint,
    load_private_key,
    public_jwk,
    serialize_private_key,
)

ALGORITHMS = ("RS256", "ES256", "EdDSA")

# RFC 7638 §3.1: the example RSA key and its SHA-256 thumbprint.
RFC7638_JWK = {
    "kty": "RSA",
    "n": (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP"
        "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Qvzq"
        "Y368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu"
        "0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    ),
    "e": "AQAB",
    "alg": "RS256",
    "kid": "2011-04-29",
}
RFC7638_THUMBPRINT = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"

PUBLIC_MEMBERS = {
    "RS256": {"kty", "n", "e", "kid", "use", "alg"},
    "ES256": {"kty", "crv", "x", "y", "kid", "use", "alg"},
    "EdDSA": {"kty", "crv", "x", "kid", "use", "alg"},
}


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_thumbprint_reproduces_the_rfc7638_example() -> None:
    assert jwk_thumbprint(RFC7638_JWK) == RFC7638_THUMBPRINT


def test_thumbprint_ignores_optional_members_and_member_order() -> None:
    reordered = {"e": RFC7638_JWK["e"], "n": RFC7638_JWK["n"], "kty": "RSA", "use": "sig"}
    assert jwk_thumbprint(reordered) == RFC7638_THUMBPRINT


@pytest.mark.parametrize("jwk", [{"kty": "RSA", "e": "AQAB"}, {"kty": "XYZ", "x": "a"}, {}])
def test_thumbprint_refuses_incomplete_or_unknown_keys(jwk: dict) -> None:
    with pytest.raises(ValueError):
        jwk_thumbprint(jwk)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_public_jwk_holds_only_public_members(algorithm: str) -> None:
    jwk = public_jwk(generate_private_key(algorithm), algorithm)
    assert set(jwk) == PUBLIC_MEMBERS[algorithm]
    assert jwk["use"] == "sig"
    assert jwk["alg"] == algorithm


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_kid_is_the_rfc7638_thumbprint(algorithm: str) -> None:
    jwk = public_jwk(generate_private_key(algorithm), algorithm)
    assert jwk["kid"] == jwk_thumbprint(jwk)


def test_public_jwk_of_the_public_key_equals_that_of_the_private_key() -> None:
    key = generate_private_key("ES256")
    assert public_jwk(key.public_key(), "ES256") == public_jwk(key, "ES256")


def test_rsa_keys_have_at_least_2048_bits_and_exponent_65537() -> None:
    jwk = public_jwk(generate_private_key("RS256"), "RS256")
    assert int.from_bytes(_b64decode(jwk["n"]), "big").bit_length() >= 2048
    assert jwk["e"] == "AQAB"


def test_rsa_keys_shorter_than_2048_bits_are_refused() -> None:
    with pytest.raises(ValueError, match="2048"):
        generate_private_key("RS256", rsa_key_size=1024)


def test_ec_coordinates_are_32_bytes() -> None:
    jwk = public_jwk(generate_private_key("ES256"), "ES256")
    assert jwk["crv"] == "P-256"
    assert len(_b64decode(jwk["x"])) == len(_b64decode(jwk["y"])) == 32


@pytest.mark.parametrize("algorithm", ["HS256", "none", "RS512", "PS256", ""])
def test_unsupported_algorithms_are_refused(algorithm: str) -> None:
    with pytest.raises(UnsupportedAlgorithm):
        generate_private_key(algorithm)


@pytest.mark.parametrize(
    ("key", "algorithm"),
    [
        (ec.generate_private_key(ec.SECP256R1()), "RS256"),
        (ed25519.Ed25519PrivateKey.generate(), "ES256"),
        (ec.generate_private_key(ec.SECP384R1()), "ES256"),
    ],
)
def test_public_jwk_refuses_a_key_that_does_not_fit_the_algorithm(key, algorithm: str) -> None:
    with pytest.raises(UnsupportedAlgorithm):
        public_jwk(key, algorithm)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_private_keys_round_trip_through_pkcs8_pem(algorithm: str) -> None:
    key = generate_private_key(algorithm)
    pem = serialize_private_key(key)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")  # PKCS#8, unencrypted
    assert public_jwk(load_private_key(pem), algorithm) == public_jwk(key, algorithm)


def test_load_private_key_refuses_garbage() -> None:
    with pytest.raises(ValueError):
        load_private_key(b"not a key")


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_pyjwt_verifies_our_signatures_with_only_the_public_jwk(algorithm: str) -> None:
    key = generate_private_key(algorithm)
    jwk = public_jwk(key, algorithm)
    token = jwt.encode({"sub": "x"}, key, algorithm=algorithm, headers={"kid": jwk["kid"]})
    verifying_key = jwt.PyJWK(jwk).key
    assert jwt.decode(token, verifying_key, algorithms=[algorithm]) == {"sub": "x"}


def test_generated_key_types() -> None:
    assert isinstance(generate_private_key("RS256"), rsa.RSAPrivateKey)
    assert isinstance(generate_private_key("ES256"), ec.EllipticCurvePrivateKey)
    assert isinstance(generate_private_key("EdDSA"), ed25519.Ed25519PrivateKey)
