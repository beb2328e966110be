"""Regression (found by tests/fuzz with HYPOTHESIS_PROFILE=deep): `roles` is a string
or an array of strings; any other shape grants no role and never crashes.

Before the fix `"roles": 1` raised TypeError inside Claims (the token was rejected
only by the verifier's catch-all), and `"roles": {"admin": false}` granted "admin".
"""

import pytest

from tests.helpers.tokens import AUDIENCE, ISSUER
from verifier_client import TokenVerifier

NOW = 1_700_000_000


@pytest.fixture
def verify(jwks, clock):
    return TokenVerifier(keys=jwks, issuer=ISSUER, audience=AUDIENCE, clock=clock).verify


@pytest.mark.parametrize("roles", [1, 2.5, True, {"admin": False}, {"admin": True}])
def test_a_roles_claim_of_another_shape_grants_nothing(verify, make_token, roles, caplog):
    claims = verify(make_token(claims={"roles": roles}, now=NOW))

    assert claims.roles == ()
    assert not claims.has_role("admin")
    assert "unexpected" not in caplog.text


@pytest.mark.parametrize(
    "roles, expected",
    [("admin", ("admin",)), (["admin", "reader"], ("admin", "reader")), (["admin", 1, None], ("admin",)), ([], ())],
)
def test_a_string_or_an_array_names_the_roles(verify, make_token, roles, expected):
    assert verify(make_token(claims={"roles": roles}, now=NOW)).roles == expected
