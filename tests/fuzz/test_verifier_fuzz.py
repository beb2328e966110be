"""TokenVerifier against arbitrary and structured-but-wrong tokens.

The property: `verify` returns claims that satisfy every rule, or raises one of the
documented `VerificationError` subclasses, and never gets there through its
catch-all for unexpected exceptions (that would be a bug the catch-all hides; it
logs "Token rejected by an unexpected ...", which these tests watch for).
"""

from __future__ import annotations

import json

from cryptography.hazmat.primitives.asymmetric import ec, rsa
from hypothesis import event, example, given
from hypothesis import strategies as st
from verifier_client.exceptions import VerificationError

from tests.fuzz.guards import no_unexpected_errors
from tests.fuzz.strategies import (
    broken_segments,
    json_values,
    objects_with,
    segment,
    values_or,
)
from tests.helpers.tokens import (
    AUDIENCE,
    ISSUER,
    b64url,
    default_claims,
    mint,
    public_jwk,
)
from verifier_client import TokenVerifier

NOW = 1_700_000_000
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())
JWKS = {"keys": [public_jwk(RSA_KEY, "rsa-1"), public_jwk(EC_KEY, "ec-1")]}


def make_verifier() -> TokenVerifier:
    return TokenVerifier(
        keys=JWKS, issuer=ISSUER, audience=AUDIENCE, algorithms=("RS256", "ES256"), clock=lambda: NOW
    )


VERIFIER = make_verifier()




def check(token: object, verifier: TokenVerifier = VERIFIER) -> object:
    """Verify; the claims on success, the documented error otherwise."""
    with no_unexpected_errors():
        try:
            claims = verifier.verify(token)  # type: ignore[arg-type]
        except VerificationError as exc:
            assert type(exc) is not VerificationError, "only the catch-all raises the bare root"
            assert exc.code and exc.reason
            return exc
    # Whatever got through obeys every rule.
    assert claims.raw["iss"] == ISSUER
    aud = claims.raw["aud"]
    assert aud == AUDIENCE or (isinstance(aud, list) and AUDIENCE in aud)
    assert type(claims.raw["exp"]) is int and claims.raw["exp"] > NOW
    assert isinstance(claims.raw["sub"], str) and claims.raw["sub"]
    return claims


@given(st.one_of(st.text(max_size=300), st.binary(max_size=300), json_values))
def test_arbitrary_input_is_rejected_with_a_documented_error(token):
    assert isinstance(check(token), VerificationError)


@given(st.lists(st.one_of(broken_segments, st.text(max_size=30)), min_size=0, max_size=6))
@example(["", "", ""])
@example(["e30", "e30", ""])
def test_dotted_garbage_is_rejected_with_a_documented_error(parts):
    assert isinstance(check(".".join(parts)), VerificationError)


headers = objects_with(
    {
        "alg": values_or("RS256", "ES256", "none", "HS256", "PS256", "RS512"),
        "typ": values_or("at+jwt", "application/at+jwt", "JWT", "AT+JWT"),
        "kid": values_or("rsa-1", "ec-1", "", "../../etc/passwd", "x" * 300),
        "crit": values_or(["exp"], []),
        "jku": values_or("http://127.0.0.1:1/jwks.json"),
        "jwk": values_or({"kty": "RSA"}),
    }
)


@given(
    header=st.one_of(headers, json_values),
    payload=st.one_of(json_values, st.binary(max_size=40)),
    signature=st.binary(max_size=300),
)
def test_structured_tokens_with_wrong_parts_are_rejected(header, payload, signature):
    token = f"{segment(header)}.{segment(payload)}.{b64url(signature)}"

    # No key signed it, so nothing may pass.
    assert isinstance(check(token), VerificationError)


claim_changes = objects_with(
    {
        "iss": values_or(ISSUER, ISSUER + "/", ""),
        "aud": values_or(AUDIENCE, [AUDIENCE], ["other", AUDIENCE], [], "", "other"),
        "sub": values_or("user-42", ""),
        "exp": values_or(NOW + 300, NOW - 1, NOW, str(NOW + 300), float(NOW + 300), 2**64),
        "iat": values_or(NOW, NOW + 3600, -1),
        "nbf": values_or(NOW, NOW + 3600),
        "jti": json_values,
        "roles": values_or(["reader"], "admin", [1, None]),
    }
)


# Valid claims with some replaced by wrong or odd values and some removed.
claims = st.tuples(claim_changes, st.sets(st.sampled_from(sorted(default_claims(NOW))), max_size=2)).map(
    lambda change: {
        name: value
        for name, value in {**default_claims(NOW), **change[0]}.items()
        if name not in change[1]
    }
)


@given(claims=claims, key=st.sampled_from(["rsa", "ec"]))
def test_correctly_signed_tokens_pass_only_when_every_claim_is_right(claims, key):
    private, kid, alg = (RSA_KEY, "rsa-1", "RS256") if key == "rsa" else (EC_KEY, "ec-1", "ES256")
    token = mint(private, kid=kid, alg=alg, raw_payload=json.dumps(claims))

    outcome = check(token, make_verifier())

    event(type(outcome).__name__)  # --hypothesis-show-statistics: how many passed, failed why
    if not isinstance(outcome, VerificationError):
        assert outcome.raw == claims


VALID = mint(RSA_KEY, kid="rsa-1", alg="RS256", claims=default_claims(NOW))


@given(position=st.integers(min_value=0, max_value=len(VALID) - 1), replacement=st.characters(), delete=st.booleans())
def test_any_single_character_change_to_a_valid_token_is_rejected(position, replacement, delete):
    changed = VALID[:position] + ("" if delete else replacement) + VALID[position + 1 :]
    if changed == VALID:
        return

    assert isinstance(check(changed, make_verifier()), VerificationError)


def test_the_untouched_token_verifies():
    # The mutation test above is only meaningful if the original passes.
    assert not isinstance(check(VALID, make_verifier()), VerificationError)
