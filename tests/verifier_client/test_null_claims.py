"""Regression: a claim sent as JSON null is no value (found by tests/fuzz).

Before the fix `"sub": null` and `"iat": null` satisfied the required claims
(`Claims.sub` became the string "None"), `"nbf": null` was skipped, and
`"exp": null` reached the verifier's catch-all for unexpected errors.
"""

import json

import pytest
from verifier_client.exceptions import InvalidClaimsError, MissingClaimError

from tests.helpers.tokens import AUDIENCE, ISSUER, default_claims
from verifier_client import TokenVerifier

NOW = 1_700_000_000


@pytest.fixture
def verify(jwks, clock):
    def _verify(token, **options):
        return TokenVerifier(keys=jwks, issuer=ISSUER, audience=AUDIENCE, clock=clock, **options).verify(token)

    return _verify


def with_null(make_token, claim):
    claims = default_claims(NOW)
    claims[claim] = None
    return make_token(raw_payload=json.dumps(claims))


@pytest.mark.parametrize("claim", ["exp", "iat", "sub", "iss"])
def test_a_required_claim_that_is_null_is_missing(verify, make_token, claim, caplog):
    with pytest.raises(MissingClaimError, match=claim):
        verify(with_null(make_token, claim))
    assert "unexpected" not in caplog.text


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf", "sub"])
def test_an_optional_time_or_subject_claim_that_is_null_is_invalid(verify, make_token, claim):
    with pytest.raises(InvalidClaimsError):
        verify(with_null(make_token, claim), required_claims=("iss",))
