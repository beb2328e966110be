"""TokenVerifier: construction rules, the happy path, claim rules and the result cache."""

from __future__ import annotations

import logging

import pytest

from tests.helpers.clock import FakeClock
from tests.helpers.tokens import AUDIENCE, ISSUER
from verifier_client import (
    Claims,
    ExpiredTokenError,
    ImmatureTokenError,
    InvalidAudienceError,
    InvalidClaimsError,
    InvalidTypeError,
    JWKSClient,
    KeySetUnavailableError,
    MissingClaimError,
    StaticKeySet,
    TokenVerifier,
    UnknownKeyError,
    UnsupportedAlgorithmError,
    VerificationError,
    VerificationKey,
)

from .conftest import NOW


class CountingKeySet:
    """Wraps a StaticKeySet and counts signature checks made with its keys."""

    def __init__(self, inner: StaticKeySet):
        self.inner = inner
        self.signature_checks = 0
        self.unavailable = False
        self._wrapped: set[int] = set()

    def get_key(self, kid):
        if self.unavailable:
            raise KeySetUnavailableError()
        key = self.inner.get_key(kid)
        if id(key) not in self._wrapped:
            self._wrapped.add(id(key))
            original = key._verify

            def counting(data, sig, _original=original):
                self.signature_checks += 1
                return _original(data, sig)

            key._verify = counting
        return key


@pytest.fixture
def verifier_for(jwks, clock):
    def _make(**options):
        options.setdefault("issuer", ISSUER)
        options.setdefault("audience", AUDIENCE)
        if "keys" not in options and "jwks_url" not in options:
            options.setdefault("keys", jwks)
        options.setdefault("clock", clock)
        return TokenVerifier(**options)

    return _make


@pytest.fixture
def verifier(verifier_for):
    return verifier_for()


@pytest.fixture
def token(make_token):
    return make_token(now=NOW)


# ------------------------------------------------------------------ construction
def test_audience_must_be_passed(jwks):
    with pytest.raises(TypeError, match="audience"):
        TokenVerifier(keys=jwks, issuer=ISSUER)


def test_audience_none_is_an_explicit_logged_opt_out(verifier_for, make_token, caplog):
    with caplog.at_level(logging.WARNING, logger="verifier_client.verifier"):
        verifier = verifier_for(audience=None)
    assert "does not check 'aud'" in caplog.text
    assert verifier.verify(make_token(claims={"aud": "someone-else"}, now=NOW)).sub == "user-42"


@pytest.mark.parametrize("leeway", [61, 3600, -1, True])
def test_leeway_outside_zero_to_sixty_seconds_is_refused(verifier_for, leeway):
    with pytest.raises(ValueError, match="leeway"):
        verifier_for(leeway=leeway)


@pytest.mark.parametrize(
    "sources",
    [{}, {"jwks_url": "https://a.example/jwks", "keys": {"keys": []}}],
    ids=["none", "two"],
)
def test_exactly_one_key_source_is_required(sources):
    with pytest.raises(ValueError, match="exactly one"):
        TokenVerifier(issuer=ISSUER, audience=AUDIENCE, **sources)


def test_keys_takes_a_jwks_client_configured_on_its_own(make_token, jwks_url, jwks_server):
    client = JWKSClient(jwks_url, min_refetch_interval=0, max_stale=0)

    verifier = TokenVerifier(keys=client, issuer=ISSUER, audience=AUDIENCE)

    assert verifier.key_set is client
    assert verifier.verify(make_token()).sub == "user-42"
    assert jwks_server.hits == 1


def test_keys_takes_any_object_implementing_the_key_set_protocol(jwk_of, rsa_key, make_token):
    class OneKey:
        def __init__(self):
            self.key = VerificationKey.from_jwk(jwk_of(rsa_key))

        def get_key(self, kid):
            if kid != self.key.kid:
                raise UnknownKeyError()
            return self.key

    assert TokenVerifier(keys=OneKey(), issuer=ISSUER, audience=AUDIENCE).verify(make_token()).kid == "rsa-1"


@pytest.mark.parametrize(
    "option",
    [{"cache_ttl": 60}, {"max_stale": 0}, {"min_refetch_interval": 1}, {"timeout": 2},
     {"fetch": lambda url: (200, {}, b"{}")}, {"allow_insecure_http": True}],
    ids=lambda option: next(iter(option)),
)
def test_jwks_options_beside_keys_are_refused_not_ignored(jwks, option):
    with pytest.raises(TypeError, match=f"{next(iter(option))} configure the JWKSClient"):
        TokenVerifier(keys=jwks, issuer=ISSUER, audience=AUDIENCE, **option)


@pytest.mark.parametrize("keys", ["https://auth.example.test/jwks", 42, ("not", "a", "list")])
def test_keys_of_another_type_is_refused_with_what_is_accepted(keys):
    with pytest.raises(TypeError, match="keys must be a KeySet"):
        TokenVerifier(keys=keys, issuer=ISSUER, audience=AUDIENCE)


def test_key_set_is_a_deprecated_name_for_keys(jwks, make_token):
    static = StaticKeySet(jwks)

    with pytest.warns(DeprecationWarning, match="pass the same object as keys="):
        verifier = TokenVerifier(key_set=static, issuer=ISSUER, audience=AUDIENCE)

    assert verifier.key_set is static
    assert verifier.verify(make_token()).sub == "user-42"


def test_one_verifier_follows_its_static_key_set_through_updates(jwks, jwk_of, rsa_key_2, make_token, clock):
    # The server's pattern: one verifier, one StaticKeySet, update() on rotation.
    keys = StaticKeySet(jwks)
    verifier = TokenVerifier(keys=keys, issuer=ISSUER, audience=AUDIENCE, clock=clock)
    old, new = make_token(now=NOW), make_token(key=rsa_key_2, now=NOW)
    verifier.verify(old)
    with pytest.raises(UnknownKeyError):
        verifier.verify(new)

    keys.update({"keys": jwks["keys"] + [jwk_of(rsa_key_2)]})
    assert verifier.verify(new).kid == "rsa-2"
    assert verifier.verify(old).kid == "rsa-1"

    keys.update({"keys": [jwk_of(rsa_key_2)]})
    with pytest.raises(UnknownKeyError):
        verifier.verify(old)
    assert verifier.verify(new).kid == "rsa-2"


def test_jwks_url_must_be_https(jwks):
    with pytest.raises(ValueError, match="https"):
        TokenVerifier("http://auth.example.test/jwks", issuer=ISSUER, audience=AUDIENCE)


def test_symmetric_algorithms_cannot_be_allowed(jwks):
    with pytest.raises(ValueError, match="unsupported"):
        TokenVerifier(keys=jwks, issuer=ISSUER, audience=AUDIENCE, algorithms=("RS256", "HS256"))


# ------------------------------------------------------------------ happy path
def test_valid_token_yields_its_claims(verifier, make_token):
    claims = verifier.verify(make_token(claims={"roles": ["admin", "reader"]}, now=NOW))
    assert isinstance(claims, Claims)
    assert (claims.sub, claims.sid, claims.kid, claims.exp) == ("user-42", "session-1", "rsa-1", NOW + 300)
    assert claims.has_role("admin") and claims["client_id"] == "web"


def test_claims_mapping_is_read_only(verifier, token):
    with pytest.raises(TypeError):
        verifier.verify(token).raw["sub"] = "admin"  # type: ignore[index]


@pytest.mark.parametrize("typ", ["at+jwt", "AT+JWT", "application/at+jwt", "Application/AT+JWT"])
def test_typ_matches_case_insensitively_with_optional_application_prefix(verifier, make_token, typ):
    assert verifier.verify(make_token(header={"typ": typ}, now=NOW))


def test_typ_jwt_is_accepted_only_when_configured(verifier_for, make_token):
    token = make_token(header={"typ": "JWT"}, now=NOW)
    with pytest.raises(InvalidTypeError):
        verifier_for().verify(token)
    assert verifier_for(accepted_types=("at+jwt", "JWT")).verify(token)


def test_a_token_without_typ_is_refused_unless_none_is_accepted(verifier_for, make_token):
    untyped = make_token(header={"typ": None}, now=NOW)  # no typ member
    with pytest.raises(InvalidTypeError):
        verifier_for(accepted_types=("JWT",)).verify(untyped)
    # OpenID Connect ID tokens may omit typ: None in accepted_types lets them through.
    assert verifier_for(accepted_types=("JWT", None)).verify(untyped)


def test_accepting_no_typ_still_refuses_a_typ_not_listed(verifier_for, make_token):
    access_token = make_token(now=NOW)  # typ at+jwt
    with pytest.raises(InvalidTypeError):
        verifier_for(accepted_types=("JWT", None)).verify(access_token)


def test_audience_list_containing_ours_is_accepted(verifier, make_token):
    assert verifier.verify(make_token(claims={"aud": ["billing", AUDIENCE]}, now=NOW))


def test_audience_list_without_ours_is_rejected(verifier, make_token):
    with pytest.raises(InvalidAudienceError):
        verifier.verify(make_token(claims={"aud": ["billing", "search"]}, now=NOW))


def test_any_of_several_configured_audiences_is_accepted(verifier_for, make_token):
    verifier = verifier_for(audience=["orders-v2", AUDIENCE])
    assert verifier.verify(make_token(now=NOW))


def test_es256_and_eddsa_tokens_verify_when_allowed(verifier_for, make_token, jwk_of, ec_key, ed_key):
    verifier = verifier_for(keys=[jwk_of(ec_key), jwk_of(ed_key)], algorithms=("ES256", "EdDSA"))
    assert verifier.verify(make_token(key=ec_key, now=NOW)).kid == "ec-1"
    assert verifier.verify(make_token(key=ed_key, now=NOW)).kid == "ed-1"


def test_token_alg_must_be_the_keys_alg_even_when_both_are_allowed(verifier_for, make_token, rsa_key):
    verifier = verifier_for(algorithms=("RS256", "PS256"))
    with pytest.raises(UnsupportedAlgorithmError, match="its key"):
        verifier.verify(make_token(alg="PS256", now=NOW))


# ------------------------------------------------------------------ time rules
def test_token_expires_at_exp_exactly(verifier, make_token, clock):
    token = make_token(now=NOW)
    clock.set(NOW + 299)
    assert verifier.verify(token)
    clock.set(NOW + 300)
    with pytest.raises(ExpiredTokenError):
        verifier.verify(token)


def test_leeway_extends_exp(verifier_for, make_token, clock):
    verifier = verifier_for(leeway=30)
    clock.set(NOW + 329)
    assert verifier.verify(make_token(now=NOW))


def test_leeway_tolerates_slightly_future_iat_and_nbf(verifier_for, make_token):
    verifier = verifier_for(leeway=30)
    assert verifier.verify(make_token(claims={"iat": NOW + 20, "nbf": NOW + 20}, now=NOW))


@pytest.mark.parametrize("claim", ["iat", "nbf"])
def test_future_iat_or_nbf_is_immature(verifier, make_token, claim):
    with pytest.raises(ImmatureTokenError):
        verifier.verify(make_token(claims={claim: NOW + 1}, now=NOW))


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
@pytest.mark.parametrize("value", ["1700000300", 1700000300.5, True, [1]])
def test_time_claims_must_be_integers(verifier, make_token, claim, value):
    with pytest.raises(InvalidClaimsError):
        verifier.verify(make_token(claims={claim: value}, now=NOW))


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "iss"])
def test_required_claims_must_be_present(verifier, make_token, claim):
    with pytest.raises(MissingClaimError, match=claim):
        verifier.verify(make_token(claims={claim: None}, now=NOW))


def test_required_claims_are_configurable(verifier_for, make_token):
    verifier = verifier_for(required_claims=("exp", "iat", "sub", "iss", "jti"))
    with pytest.raises(MissingClaimError, match="jti"):
        verifier.verify(make_token(claims={"jti": None}, now=NOW))


@pytest.mark.parametrize("sub", ["", 42, ["a"]])
def test_sub_must_be_a_non_empty_string(verifier, make_token, sub):
    with pytest.raises(InvalidClaimsError):
        verifier.verify(make_token(claims={"sub": sub}, now=NOW))


# ------------------------------------------------------------------ verified-token cache
@pytest.fixture
def counted(jwks):
    return CountingKeySet(StaticKeySet(jwks))


def test_repeated_token_is_verified_cryptographically_once(verifier_for, counted, token):
    verifier = verifier_for(keys=counted)
    first = verifier.verify(token)
    assert verifier.verify(token) is first
    assert counted.signature_checks == 1


def test_cached_token_still_expires(verifier_for, counted, token, clock):
    verifier = verifier_for(keys=counted)
    verifier.verify(token)
    clock.set(NOW + 300)
    with pytest.raises(ExpiredTokenError):
        verifier.verify(token)


def test_cached_token_is_dropped_when_its_key_leaves_the_set(verifier_for, jwks, jwk_of, rsa_key_2, token):
    keys = StaticKeySet(jwks)
    verifier = verifier_for(keys=keys)
    verifier.verify(token)
    keys.update([jwk_of(rsa_key_2)])
    with pytest.raises(UnknownKeyError):
        verifier.verify(token)


def test_cached_token_fails_closed_when_the_key_set_is_unavailable(verifier_for, counted, token):
    verifier = verifier_for(keys=counted)
    verifier.verify(token)
    counted.unavailable = True
    with pytest.raises(KeySetUnavailableError):
        verifier.verify(token)


def test_verified_cache_is_bounded(verifier_for, make_token):
    verifier = verifier_for(verified_cache_size=2)
    for i in range(5):
        verifier.verify(make_token(claims={"jti": f"t{i}"}, now=NOW))
    assert len(verifier._verified) == 2


def test_verified_cache_can_be_disabled(verifier_for, counted, token):
    verifier = verifier_for(keys=counted, verified_cache_size=0)
    verifier.verify(token)
    verifier.verify(token)
    assert counted.signature_checks == 2


def test_failed_tokens_are_not_cached(verifier_for, counted, make_token):
    verifier = verifier_for(keys=counted)
    token = make_token(claims={"aud": "elsewhere"}, now=NOW)
    for _ in range(2):
        with pytest.raises(InvalidAudienceError):
            verifier.verify(token)
    assert counted.signature_checks == 2


# ------------------------------------------------------------------ robustness
def test_unexpected_key_set_failure_becomes_a_verification_error(verifier_for, token):
    class Broken:
        def get_key(self, kid):
            raise RuntimeError("bug")

    with pytest.raises(VerificationError) as info:
        verifier_for(keys=Broken()).verify(token)
    assert type(info.value) is VerificationError


# ------------------------------------------------------------------ real JWKS over loopback
def test_verifies_against_a_jwks_served_over_http(make_token, jwks_url, jwks_server):
    verifier = TokenVerifier(jwks_url, issuer=ISSUER, audience=AUDIENCE)
    assert verifier.verify(make_token()).sub == "user-42"
    assert jwks_server.hits == 1


def test_rotated_key_is_picked_up_by_one_refetch(make_token, jwks_server, jwks_url, jwks, jwk_of, rsa_key_2):
    clock = FakeClock(NOW)
    verifier = TokenVerifier(jwks_url, issuer=ISSUER, audience=AUDIENCE, clock=clock)
    verifier.verify(make_token(now=NOW))
    jwks_server.set_json({"keys": jwks["keys"] + [jwk_of(rsa_key_2)]}, path="/jwks.json")
    clock.advance(10)
    assert verifier.verify(make_token(key=rsa_key_2, now=NOW)).kid == "rsa-2"
    assert jwks_server.hits == 2


def test_key_removed_upstream_is_distrusted_after_the_next_fetch(
    make_token, jwks_server, jwks_url, jwk_of, rsa_key_2
):
    clock = FakeClock(NOW)
    verifier = TokenVerifier(jwks_url, issuer=ISSUER, audience=AUDIENCE, clock=clock)
    old_token = make_token(now=NOW)
    verifier.verify(old_token)
    jwks_server.set_json({"keys": [jwk_of(rsa_key_2)]}, path="/jwks.json")
    clock.advance(10)
    verifier.verify(make_token(key=rsa_key_2, now=NOW))  # unknown kid: refetch
    with pytest.raises(UnknownKeyError):
        verifier.verify(old_token)


def test_jwks_server_down_at_start_fails_closed(make_token, http_server):
    http_server.set_response(b"down", status=503)
    verifier = TokenVerifier(http_server.url("/jwks.json"), issuer=ISSUER, audience=AUDIENCE)
    with pytest.raises(KeySetUnavailableError, match="503"):
        verifier.verify(make_token())


def test_prefetch_keys_fetches_the_jwks_once_before_any_token(jwks_server, jwks_url):
    verifier = TokenVerifier(jwks_url, issuer=ISSUER, audience=AUDIENCE, allow_insecure_http=True)

    assert verifier.prefetch_keys() is True
    assert jwks_server.hits == 1


def test_prefetch_keys_is_a_no_op_for_static_keys(jwks):
    assert TokenVerifier(keys=jwks, issuer=ISSUER, audience=AUDIENCE).prefetch_keys() is False
