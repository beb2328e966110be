import base64
import json

import jwt
import pytest

from authfort_django.keys.crypto import jwk_thumbprint
from authfort_django.keys.store import key_store
from authfort_django.tokens.signing import issue_access_token
from tests.factories import UserFactory
from verifier_client import TokenVerifier

pytestmark = pytest.mark.django_db


def _header(token: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))


def _public_key(kid: str):
    jwk = next(k for k in key_store.jwks().keys if k["kid"] == kid)
    return jwt.PyJWK(jwk).key


def test_header_is_rs256_at_jwt_with_the_thumbprint_kid():
    token = issue_access_token(UserFactory()).token

    header = _header(token)
    assert header == {"alg": "RS256", "typ": "at+jwt", "kid": header["kid"]}
    jwk = next(k for k in key_store.jwks().keys if k["kid"] == header["kid"])
    assert jwk_thumbprint(jwk) == header["kid"]


def test_claims_follow_the_rfc_9068_profile():
    user = UserFactory(email="ada@example.com", roles=["editor"])

    token = issue_access_token(user).token

    claims = jwt.decode(token, _public_key(_header(token)["kid"]), algorithms=["RS256"], audience="authfort-tests")
    assert set(claims) == {"iss", "sub", "aud", "exp", "iat", "jti", "client_id", "roles", "ver", "email", "email_verified"}
    assert claims["iss"] == "http://testserver"
    assert claims["sub"] == str(user.pk)
    assert claims["aud"] == "authfort-tests"
    assert claims["exp"] - claims["iat"] == 900
    assert claims["roles"] == ["editor"]
    assert claims["ver"] == 1  # the grant of "editor" bumped it
    assert claims["email"] == "ada@example.com"
    assert claims["client_id"] == "authfort"


def test_every_token_has_its_own_jti():
    user = UserFactory()

    jtis = {issue_access_token(user).claims["jti"] for _ in range(50)}

    assert len(jtis) == 50


def test_empty_audience_issues_tokens_without_aud(settings):
    settings.AUTHFORT = {**settings.AUTHFORT, "AUDIENCE": ""}
    token = issue_access_token(UserFactory()).token
    jwks = {"keys": list(key_store.jwks().keys)}

    assert "aud" not in issue_access_token(UserFactory()).claims
    assert TokenVerifier(keys=jwks, issuer="http://testserver", audience=None).verify(token).sub


def test_extra_claims_hook_adds_claims_but_cannot_replace_reserved_ones(settings):
    settings.AUTHFORT = {**settings.AUTHFORT, "EXTRA_CLAIMS": "tests.authfort_django.extra_claims.tenant_claims"}
    user = UserFactory()

    claims = issue_access_token(user).claims

    assert claims["tenant"] == "acme"
    assert claims["sub"] == str(user.pk)
    assert claims["roles"] == []


def test_tokens_verify_with_pyjwt_using_only_the_published_jwks():
    token = issue_access_token(UserFactory()).token
    jwk_set = jwt.PyJWKSet.from_dict(json.loads(key_store.jwks().body))

    key = jwk_set[_header(token)["kid"]].key
    claims = jwt.decode(
        token, key, algorithms=["RS256"], audience="authfort-tests", issuer="http://testserver",
        options={"require": ["exp", "iat", "sub", "iss", "aud"]},
    )
    assert claims["sub"]


# The server's own verification: one verifier over one key set, updated in place.


def test_the_server_keeps_one_verifier_and_updates_its_keys_in_place_across_a_rotation():
    from authfort_django.keys.rotation import revoke, rotate
    from authfort_django.sessions.lifecycle import start_session
    from authfort_django.tokens import verification
    from verifier_client import UnknownKeyError

    user = UserFactory()
    old_token = issue_access_token(user, start_session(user).session).token
    verifier = verification._server_verifier.get()
    assert verification.verify_access_token(old_token).sub == str(user.pk)

    new_key = rotate(immediately=True).key
    assert verification._server_verifier.get() is verifier  # no new verifier for new keys
    new_token = issue_access_token(user, start_session(user).session).token
    assert _header(new_token)["kid"] == new_key.kid
    assert verification.verify_access_token(new_token).sub == str(user.pk)

    revoke(_header(old_token)["kid"])
    assert verification._server_verifier.get() is verifier
    with pytest.raises(UnknownKeyError):  # the revoked key is distrusted at once
        verification.verify_access_token(old_token)
