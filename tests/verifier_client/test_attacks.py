"""Hostile tokens and key sets (issue 4 "Every one of these is rejected", checklist
A1-A19): each is rejected with its specific VerificationError subclass, and
nothing the token names is ever fetched."""

from __future__ import annotations

import base64
import json
import random
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives import serialization

from tests.helpers.clock import FakeClock
from tests.helpers.tokens import AUDIENCE, ISSUER, b64url, public_jwk
from verifier_client import (
    ExpiredTokenError,
    ForbiddenHeaderError,
    ImmatureTokenError,
    InvalidAudienceError,
    InvalidClaimsError,
    InvalidIssuerError,
    InvalidSignatureError,
    InvalidTypeError,
    MalformedTokenError,
    MissingClaimError,
    TokenVerifier,
    UnknownKeyError,
    UnsupportedAlgorithmError,
    VerificationError,
)

from .conftest import NOW


@pytest.fixture
def ctx(make_token, rsa_key, rsa_key_2, rsa_1024_key, ec_key, jwk_of):
    public = rsa_key.public_key()
    spki_pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    pkcs1_pem = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    rsa_jwk = jwk_of(rsa_key)
    return SimpleNamespace(
        token=lambda **kw: make_token(now=NOW, **kw),
        rsa_key=rsa_key,
        rsa_key_2=rsa_key_2,
        rsa_1024_key=rsa_1024_key,
        ec_key=ec_key,
        spki_pem=spki_pem,
        pkcs1_pem=pkcs1_pem,
        der=der,
        jwk_text=json.dumps(rsa_jwk).encode(),
        raw_n=base64.urlsafe_b64decode(rsa_jwk["n"] + "=="),
        hmac_secret=b"published-symmetric-secret",
    )


@pytest.fixture
def published(jwk_of, rsa_key, rsa_1024_key, ec_key, rsa_key_2):
    """What the (poisoned) JWKS holds: two good keys and several that must be skipped."""
    return [
        jwk_of(rsa_key),
        jwk_of(ec_key),
        jwk_of(rsa_1024_key),  # kid rsa-weak: too small
        {**jwk_of(rsa_key_2, kid="rsa-priv"), "d": "AQAB"},  # private member
        jwk_of(rsa_key_2, kid="rsa-enc", use="enc"),
        jwk_of(rsa_key_2, kid="rsa-512", alg="RS512"),  # alg outside allowlist
        {"kty": "oct", "kid": "hmac", "k": b64url(b"published-symmetric-secret"), "alg": "HS256"},
    ]


@pytest.fixture
def verifier(published):
    return TokenVerifier(
        keys=published,
        issuer=ISSUER,
        audience=AUDIENCE,
        algorithms=("RS256", "ES256"),
        clock=FakeClock(NOW),
    )


def _replace_segment(token: str, index: int, value: str) -> str:
    parts = token.split(".")
    parts[index] = value
    return ".".join(parts)


def _tamper(segment: str, index: int = 5) -> str:
    return segment[:index] + ("B" if segment[index] != "B" else "C") + segment[index + 1 :]


def _non_canonical(segment: str) -> str:
    # Same bytes under a lenient decoder: set an unused low bit of the last char.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    return segment[:-1] + alphabet[alphabet.index(segment[-1]) + 1]


def _header_segment(header: dict) -> str:
    return b64url(json.dumps(header))


GOOD_HEADER = {"alg": "RS256", "typ": "at+jwt", "kid": "rsa-1"}

ATTACKS = [
    # A1 alg none, any casing, with and without a signature
    *[
        pytest.param(lambda c, a=alg: c.token(alg=a), UnsupportedAlgorithmError, id=f"A1-alg-{alg}-unsigned")
        for alg in ("none", "None", "NONE", "nOnE")
    ],
    *[
        pytest.param(
            lambda c, a=alg: c.token(alg=a, signature=b"\x01" * 256), UnsupportedAlgorithmError, id=f"A1-alg-{alg}-signed"
        )
        for alg in ("none", "NONE")
    ],
    # A2 HMAC keyed with the public key in every spelling
    *[
        pytest.param(
            lambda c, a=alg, f=form: c.token(key=f(c), alg=a, kid="rsa-1"), UnsupportedAlgorithmError, id=f"A2-{alg}-{name}"
        )
        for alg in ("HS256", "HS384", "HS512")
        for name, form in (
            ("pem", lambda c: c.spki_pem),
            ("pem-no-newline", lambda c: c.spki_pem.rstrip(b"\n")),
            ("pkcs1", lambda c: c.pkcs1_pem),
            ("der", lambda c: c.der),
            ("jwk", lambda c: c.jwk_text),
            ("raw-n", lambda c: c.raw_n),
        )
    ],
    # A3 missing or empty signature
    pytest.param(lambda c: c.token().rsplit(".", 1)[0] + ".", InvalidSignatureError, id="A3-empty-signature"),
    pytest.param(lambda c: c.token().rsplit(".", 1)[0], MalformedTokenError, id="A3-two-segments"),
    pytest.param(lambda c: "a.b.c", MalformedTokenError, id="A3-garbage-segments"),
    pytest.param(lambda c: "", MalformedTokenError, id="A3-empty-string"),
    # A4 kid injection
    pytest.param(lambda c: c.token(kid="../../dev/null"), UnknownKeyError, id="A4-kid-path-traversal"),
    pytest.param(lambda c: c.token(kid="x' OR '1'='1"), UnknownKeyError, id="A4-kid-sql"),
    pytest.param(lambda c: c.token(kid="k|sleep 10"), UnknownKeyError, id="A4-kid-shell"),
    pytest.param(lambda c: c.token(kid=""), UnknownKeyError, id="A4-kid-empty"),
    pytest.param(lambda c: c.token(header={"kid": None}), UnknownKeyError, id="A4-kid-missing"),
    pytest.param(lambda c: c.token(kid="k" * 10_000), MalformedTokenError, id="A4-kid-10KB"),
    pytest.param(lambda c: c.token(kid="k" * 1000), MalformedTokenError, id="A4-kid-1KB"),
    pytest.param(lambda c: c.token(kid=123), MalformedTokenError, id="A4-kid-int"),
    pytest.param(lambda c: c.token(kid=["rsa-1"]), MalformedTokenError, id="A4-kid-list"),
    pytest.param(lambda c: c.token(kid="rsa-1\x00"), MalformedTokenError, id="A4-kid-nul"),
    # A6 embedded keys, A7 crit, A14 b64/zip/enc
    pytest.param(
        lambda c: c.token(key=c.rsa_key_2, kid="rsa-1", header={"jwk": public_jwk(c.rsa_key_2, "rsa-1")}),
        ForbiddenHeaderError,
        id="A6-embedded-jwk",
    ),
    pytest.param(lambda c: c.token(header={"x5c": ["MIIBIjANBgkq"]}), ForbiddenHeaderError, id="A6-x5c"),
    pytest.param(lambda c: c.token(header={"crit": ["x-custom"], "x-custom": 1}), ForbiddenHeaderError, id="A7-crit"),
    pytest.param(lambda c: c.token(header={"crit": []}), ForbiddenHeaderError, id="A7-crit-empty"),
    pytest.param(lambda c: c.token(header={"crit": ["exp"]}), ForbiddenHeaderError, id="A7-crit-exp"),
    pytest.param(lambda c: c.token(header={"b64": False, "crit": ["b64"]}), ForbiddenHeaderError, id="A14-b64-false"),
    pytest.param(lambda c: c.token(header={"b64": False}), ForbiddenHeaderError, id="A14-b64-no-crit"),
    pytest.param(lambda c: c.token(header={"zip": "DEF"}), ForbiddenHeaderError, id="A14-zip"),
    pytest.param(lambda c: c.token(header={"enc": "A256GCM"}), ForbiddenHeaderError, id="A14-enc"),
    # A8 time claims
    pytest.param(lambda c: c.token(claims={"exp": NOW - 1}), ExpiredTokenError, id="A8-expired"),
    pytest.param(lambda c: c.token(claims={"nbf": NOW + 60}), ImmatureTokenError, id="A8-nbf-future"),
    pytest.param(lambda c: c.token(claims={"iat": NOW + 60}), ImmatureTokenError, id="A8-iat-future"),
    pytest.param(lambda c: c.token(claims={"exp": None}), MissingClaimError, id="A8-missing-exp"),
    pytest.param(lambda c: c.token(claims={"exp": str(NOW + 300)}), InvalidClaimsError, id="A8-exp-string"),
    pytest.param(lambda c: c.token(claims={"exp": True}), InvalidClaimsError, id="A8-exp-bool"),
    pytest.param(lambda c: c.token(claims={"exp": 1e400}), MalformedTokenError, id="A8-exp-infinity"),
    # A9 issuer and audience
    pytest.param(lambda c: c.token(claims={"iss": "https://evil.example"}), InvalidIssuerError, id="A9-wrong-iss"),
    pytest.param(lambda c: c.token(claims={"iss": ISSUER + "/"}), InvalidIssuerError, id="A9-iss-trailing-slash"),
    pytest.param(lambda c: c.token(claims={"iss": ISSUER.upper()}), InvalidIssuerError, id="A9-iss-case"),
    pytest.param(lambda c: c.token(claims={"iss": None}), MissingClaimError, id="A9-missing-iss"),
    pytest.param(lambda c: c.token(claims={"iss": [ISSUER]}), InvalidIssuerError, id="A9-iss-list"),
    pytest.param(lambda c: c.token(claims={"aud": "billing"}), InvalidAudienceError, id="A9-wrong-aud"),
    pytest.param(lambda c: c.token(claims={"aud": None}), InvalidAudienceError, id="A9-missing-aud"),
    pytest.param(lambda c: c.token(claims={"aud": ""}), InvalidAudienceError, id="A9-empty-aud"),
    pytest.param(lambda c: c.token(claims={"aud": []}), InvalidAudienceError, id="A9-empty-aud-list"),
    pytest.param(lambda c: c.token(claims={"aud": [AUDIENCE, 5]}), InvalidAudienceError, id="A9-aud-list-non-string"),
    pytest.param(lambda c: c.token(claims={"aud": {AUDIENCE: 1}}), InvalidAudienceError, id="A9-aud-object"),
    # A10 tokens that are not our access tokens
    pytest.param(lambda c: "Zk9vYmFyYmF6cXV4cXV1eA", MalformedTokenError, id="A10-opaque-refresh-token"),
    pytest.param(lambda c: c.token(header={"typ": "JWT"}), InvalidTypeError, id="A10-typ-JWT"),
    pytest.param(lambda c: c.token(header={"typ": None}), InvalidTypeError, id="A10-typ-missing"),
    pytest.param(lambda c: c.token(header={"typ": "id_token+jwt"}), InvalidTypeError, id="A10-typ-id-token"),
    pytest.param(lambda c: c.token(header={"typ": 1}), InvalidTypeError, id="A10-typ-int"),
    pytest.param(lambda c: c.token(key=c.rsa_key_2, kid="rsa-1"), InvalidSignatureError, id="A10-other-server-same-kid"),
    pytest.param(
        lambda c: c.token(claims={"iss": "https://other.example", "aud": "other"}), InvalidIssuerError, id="A10-other-issuer"
    ),
    # A11 tampering and non-canonical encodings
    pytest.param(
        lambda c: _replace_segment(c.token(), 2, _tamper(c.token().split(".")[2])),
        InvalidSignatureError,
        id="A11-tampered-signature",
    ),
    pytest.param(
        lambda c: _replace_segment(c.token(), 1, b64url(json.dumps({"sub": "admin"}))),
        InvalidSignatureError,
        id="A11-tampered-payload",
    ),
    pytest.param(
        lambda c: _replace_segment(c.token(), 2, _non_canonical(c.token().split(".")[2])),
        MalformedTokenError,
        id="A11-non-canonical-signature-bits",
    ),
    pytest.param(lambda c: c.token()[:-1] + "!", MalformedTokenError, id="A11-bang"),
    pytest.param(lambda c: c.token()[:-1] + "+", MalformedTokenError, id="A11-plus"),
    pytest.param(lambda c: c.token()[:-1] + "/", MalformedTokenError, id="A11-slash"),
    pytest.param(lambda c: c.token() + "==", MalformedTokenError, id="A11-padding"),
    pytest.param(lambda c: " " + c.token(), MalformedTokenError, id="A11-leading-space"),
    pytest.param(lambda c: c.token().replace(".", ".\n", 1), MalformedTokenError, id="A11-newline"),
    pytest.param(lambda c: c.token()[:10] + "é" + c.token()[11:], MalformedTokenError, id="A11-non-ascii"),
    # A12 psychic ECDSA
    pytest.param(lambda c: c.token(key=c.ec_key, signature=b"\x00" * 64), InvalidSignatureError, id="A12-es256-zeros"),
    pytest.param(
        lambda c: c.token(key=c.ec_key, signature=bytes.fromhex("3006020100020100")), InvalidSignatureError, id="A12-der-r-s-0"
    ),
    pytest.param(
        lambda c: c.token(key=c.ec_key, signature=b"\xff" * 64), InvalidSignatureError, id="A12-es256-r-s-over-order"
    ),
    # A13 size
    pytest.param(lambda c: "a" * (1024 * 1024), MalformedTokenError, id="A13-1MiB"),
    pytest.param(lambda c: c.token(claims={"pad": "x" * (10 * 1024 * 1024)}), MalformedTokenError, id="A13-10MiB"),
    pytest.param(lambda c: c.token(header={"pad": "x" * 65536}), MalformedTokenError, id="A13-64KiB-header"),
    # A14 other serializations
    pytest.param(
        lambda c: json.dumps({"payload": "e30", "protected": "e30", "signature": "AA"}), MalformedTokenError, id="A14-json-serialization"
    ),
    pytest.param(lambda c: "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d", MalformedTokenError, id="A14-five-part-jwe"),
    pytest.param(lambda c: c.token() + "." + c.token(), MalformedTokenError, id="A14-two-tokens-dot"),
    pytest.param(lambda c: c.token() + " " + c.token(), MalformedTokenError, id="A14-two-tokens-space"),
    pytest.param(lambda c: '"' + c.token() + '"', MalformedTokenError, id="A14-quoted"),
    pytest.param(lambda c: "{" + c.token() + "}", MalformedTokenError, id="A14-braces"),
    # A15 duplicate members, A16 nesting
    pytest.param(
        lambda c: c.token(raw_header='{"alg":"none","alg":"RS256","typ":"at+jwt","kid":"rsa-1"}'),
        MalformedTokenError,
        id="A15-duplicate-alg",
    ),
    pytest.param(
        lambda c: c.token(raw_payload='{"sub":"user-42","sub":"admin"}'), MalformedTokenError, id="A15-duplicate-claim"
    ),
    pytest.param(
        lambda c: c.token(raw_header='{"alg":"RS256","typ":"at+jwt","kid":"rsa-1","x":' + "[" * 5000 + "]" * 5000 + "}"),
        MalformedTokenError,
        id="A16-nested-header",
    ),
    pytest.param(lambda c: c.token(raw_header="[" * 6000), MalformedTokenError, id="A16-unclosed-nesting"),
    pytest.param(lambda c: c.token(raw_payload="[" * 3000 + "]" * 3000), MalformedTokenError, id="A16-nested-payload"),
    pytest.param(lambda c: c.token(raw_header='["alg","RS256"]'), MalformedTokenError, id="A16-header-array"),
    pytest.param(lambda c: c.token(raw_payload='"just a string"'), MalformedTokenError, id="A16-payload-string"),
    pytest.param(lambda c: c.token(raw_header=b"\xff\xfe"), MalformedTokenError, id="A16-header-not-utf8"),
    pytest.param(lambda c: c.token(raw_payload='{"exp": NaN}'), MalformedTokenError, id="A16-nan"),
    # A17 poisoned key set: the skipped keys are simply not there
    pytest.param(lambda c: c.token(key=c.rsa_1024_key), UnknownKeyError, id="A17-1024-bit-key"),
    pytest.param(lambda c: c.token(key=c.rsa_key_2, kid="rsa-priv"), UnknownKeyError, id="A17-key-with-d"),
    pytest.param(lambda c: c.token(key=c.rsa_key_2, kid="rsa-enc"), UnknownKeyError, id="A17-use-enc"),
    pytest.param(lambda c: c.token(key=c.rsa_key_2, kid="rsa-512"), UnknownKeyError, id="A17-alg-rs512-key"),
    pytest.param(lambda c: c.token(key=c.hmac_secret, alg="HS256", kid="hmac"), UnsupportedAlgorithmError, id="A17-kty-oct"),
    # A18 other RSA algorithms with a valid signature
    pytest.param(lambda c: c.token(alg="PS256"), UnsupportedAlgorithmError, id="A18-PS256"),
    pytest.param(lambda c: c.token(alg="RS512"), UnsupportedAlgorithmError, id="A18-RS512"),
    pytest.param(lambda c: c.token(alg="RS384"), UnsupportedAlgorithmError, id="A18-RS384"),
    pytest.param(lambda c: c.token(key=c.ec_key, alg="RS256", kid="ec-1", signature=b"\x00" * 256), UnsupportedAlgorithmError, id="A18-alg-not-the-keys"),
]


@pytest.mark.parametrize(("build", "expected"), ATTACKS)
def test_attack_is_rejected_with_its_specific_error(ctx, verifier, build, expected):
    token = build(ctx)
    with pytest.raises(VerificationError) as info:
        verifier.verify(token)
    assert type(info.value) is expected, f"{type(info.value).__name__}: {info.value.reason}"


@pytest.mark.parametrize("member", ["jku", "x5u"])
def test_jku_and_x5u_are_refused_without_any_request(ctx, verifier, http_server, member):
    attacker = public_jwk(ctx.rsa_key_2, "rsa-1")
    http_server.set_json({"keys": [attacker]})
    token = ctx.token(key=ctx.rsa_key_2, kid="rsa-1", header={member: http_server.url("/jwks.json")})
    with pytest.raises(ForbiddenHeaderError):
        verifier.verify(token)
    assert http_server.hits == 0


def test_jku_with_jwks_url_verifier_fetches_only_the_configured_url(ctx, jwks_server, jwks_url):
    # A second loopback server plays the attacker; the real JWKS server must only see its own path.
    attacker = type(jwks_server)().start()
    try:
        attacker.set_json({"keys": [public_jwk(ctx.rsa_key_2, "evil")]})
        verifier = TokenVerifier(jwks_url, issuer=ISSUER, audience=AUDIENCE, clock=FakeClock(NOW))
        token = ctx.token(key=ctx.rsa_key_2, kid="evil", header={"jku": attacker.url("/jwks.json")})
        with pytest.raises(ForbiddenHeaderError):
            verifier.verify(token)
        assert attacker.hits == 0
    finally:
        attacker.stop()


def test_oversized_token_is_rejected_before_any_decoding_or_key_lookup(ctx):
    class MustNotBeAsked:
        def get_key(self, kid):  # pragma: no cover - failing is the assertion
            raise AssertionError("key set consulted for an oversized token")

    verifier = TokenVerifier(keys=MustNotBeAsked(), issuer=ISSUER, audience=AUDIENCE)
    with pytest.raises(MalformedTokenError, match="too large"):
        verifier.verify("a" * (1024 * 1024))
    assert verifier._headers == {}


@pytest.mark.parametrize("value", [None, b"abc.def.ghi", 12, ["a.b.c"]], ids=["none", "bytes", "int", "list"])
def test_non_string_token_is_malformed(verifier, value):
    with pytest.raises(MalformedTokenError):
        verifier.verify(value)  # type: ignore[arg-type]


def test_burst_of_random_kids_fetches_at_most_once_per_refetch_interval(make_token, jwks_server, jwks_url):
    clock = FakeClock(NOW)
    verifier = TokenVerifier(
        jwks_url, issuer=ISSUER, audience=AUDIENCE, clock=clock, min_refetch_interval=5
    )
    rng = random.Random(19)
    for _ in range(1000):  # 1000 kids over 10 s
        kid = "".join(rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=16))
        with pytest.raises(UnknownKeyError):
            verifier.verify(make_token(kid=kid, now=NOW, signature=b"\x00" * 256))
        clock.advance(0.01)
    assert jwks_server.hits <= 1 + 10 // 5


def _verify_expecting_a_specific_error(verifier: TokenVerifier, token: str) -> None:
    """Accept success or a specific subclass. `verify()` turns any exception it did
    not foresee into a bare `VerificationError`, so catching the root alone would
    let these fuzz tests pass whatever crashed inside."""
    try:
        verifier.verify(token)
    except VerificationError as exc:
        assert type(exc) is not VerificationError, f"unforeseen failure for {token!r}"


def test_random_mutations_only_ever_raise_verification_errors(ctx, verifier):
    rng = random.Random(4)
    good = ctx.token()
    alphabet = "ABCxyz019-_.=+/!{}\"\\ \x00é"
    for _ in range(3000):
        chars = list(good)
        for _ in range(rng.randint(1, 4)):
            op = rng.random()
            i = rng.randrange(len(chars))
            if op < 0.4:
                chars[i] = rng.choice(alphabet)
            elif op < 0.7:
                del chars[i]
            else:
                chars.insert(i, rng.choice(alphabet))
        _verify_expecting_a_specific_error(verifier, "".join(chars))


def test_random_header_json_only_ever_raises_verification_errors(ctx, verifier):
    rng = random.Random(7)
    values = [None, True, 0, -1, 1.5, "", "RS256", "none", "at+jwt", [], {}, ["x"], {"a": []}, "rsa-1"]
    names = ["alg", "typ", "kid", "cty", "x5t", "jku", "crit", "b64", "zip", "enc", "x"]
    for _ in range(2000):
        # Start from a header that passes, so the mutations reach every later check
        # (typ, kid) and not only the first one (alg).
        header = dict(GOOD_HEADER)
        for name in rng.sample(names, rng.randint(1, 3)):
            if rng.random() < 0.2:
                header.pop(name, None)
            else:
                header[name] = rng.choice(values)
        _verify_expecting_a_specific_error(verifier, ctx.token(raw_header=json.dumps(header), signature=b"\x00" * 256))
