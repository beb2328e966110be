import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from authfort_django.models import Account
from authfort_django.keys.store import key_store
from tests.authfort_django.helpers import (
    BEARER_CHALLENGE,
    BEARER_REALM,
    bearer,
    mint,
    status_and_code,
)
from tests.factories import RoleFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/auth/me"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _tamper(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["roles"] = ["admin"]
    return ".".join([header, _b64(json.dumps(claims).encode()), signature])


def test_me_returns_the_user_with_roles(api_client):
    user = UserFactory(email="ada@example.com", roles=["editor", "admin"])

    response = api_client.get(URL, **bearer(mint(user)))

    assert response.status_code == 200
    assert response.json()["email"] == "ada@example.com"
    assert response.json()["roles"] == ["admin", "editor"]


def test_me_accepts_the_token_login_returned(api_client, password):
    UserFactory(email="ada@example.com")
    token = api_client.post("/auth/login", {"email": "ada@example.com", "password": password}, format="json").json()[
        "access_token"
    ]

    assert api_client.get(URL, **bearer(token)).status_code == 200


def _bad_tokens(user):
    now = int(time.time())
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    good = mint(user)
    header = json.loads(base64.urlsafe_b64decode(good.split(".")[0] + "=="))
    payload = good.split(".")[1]
    public_pem = key_store.signing_key().private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    import hashlib
    import hmac

    hs_header = _b64(json.dumps({**header, "alg": "HS256"}).encode())
    hs_signature = _b64(hmac.new(public_pem, f"{hs_header}.{payload}".encode(), hashlib.sha256).digest())
    return {
        "garbage": "not-a-token",
        "two-segments": ".".join(good.split(".")[:2]),
        "empty-signature": ".".join(good.split(".")[:2]) + ".",
        "expired": mint(user, exp=now - 3600, iat=now - 7200),
        "tampered": _tamper(good),
        "wrong-audience": mint(user, aud="someone-else"),
        "no-audience": mint(user, aud=None),
        "wrong-issuer": mint(user, iss="https://evil.example.com"),
        "alg-none": f"{_b64(json.dumps({**header, 'alg': 'none'}).encode())}.{payload}.",
        "hs256-with-public-key": f"{hs_header}.{payload}.{hs_signature}",
        "unknown-kid": jwt.encode(
            {"sub": str(user.pk)}, other_key, algorithm="RS256", headers={"kid": "nope", "typ": "at+jwt"}
        ),
        "typ-jwt": mint(user, header={"typ": "JWT"}),
        "missing-exp": mint(user, exp=None),
        "huge": "a" * 20_000,
    }


@pytest.mark.parametrize(
    ("case", "code"),
    [
        ("garbage", "malformed_token"),
        ("two-segments", "malformed_token"),
        ("empty-signature", "invalid_signature"),
        ("expired", "token_expired"),
        ("tampered", "invalid_signature"),
        ("wrong-audience", "invalid_audience"),
        ("no-audience", "invalid_audience"),
        ("wrong-issuer", "invalid_issuer"),
        ("alg-none", "unsupported_algorithm"),
        ("hs256-with-public-key", "unsupported_algorithm"),
        ("unknown-kid", "unknown_key"),
        ("typ-jwt", "invalid_type"),
        ("missing-exp", "missing_claim"),
        ("huge", "invalid_token"),
    ],
)
def test_me_rejects_a_bad_token_with_401_its_code_and_a_bearer_challenge(api_client, case, code):
    user = UserFactory()
    token = _bad_tokens(user)[case]

    response = api_client.get(URL, **bearer(token))

    assert status_and_code(response) == (401, code), response.content
    assert response["WWW-Authenticate"].startswith(BEARER_CHALLENGE)
    assert response.json()["detail"]


def test_me_without_a_token_is_401_with_a_challenge(api_client):
    response = api_client.get(URL)

    assert status_and_code(response) == (401, "not_authenticated")
    # RFC 6750 §3.1: no credentials sent, so the challenge names the realm and no error.
    assert response["WWW-Authenticate"] == BEARER_REALM


def test_me_with_another_scheme_is_401(api_client):
    response = api_client.get(URL, HTTP_AUTHORIZATION="Basic YWRhOnB3")

    assert status_and_code(response) == (401, "not_authenticated")
    assert response["WWW-Authenticate"].startswith(BEARER_REALM)


def test_me_with_a_malformed_authorization_header_is_401(api_client):
    response = api_client.get(URL, HTTP_AUTHORIZATION="Bearer a b c")

    assert status_and_code(response) == (401, "invalid_token")
    assert response["WWW-Authenticate"].startswith(BEARER_CHALLENGE)


def test_me_refuses_the_token_of_a_deactivated_user(api_client):
    user = UserFactory()
    token = mint(user)
    user.is_active = False
    user.save()

    response = api_client.get(URL, **bearer(token))

    assert status_and_code(response) == (401, "token_revoked")
    assert response["WWW-Authenticate"].startswith(BEARER_CHALLENGE)


def test_me_refuses_a_token_whose_version_is_stale(api_client):
    user = UserFactory()
    token = mint(user)
    Account.objects.filter(user=user).update(token_version=1)

    response = api_client.get(URL, **bearer(token))

    assert status_and_code(response) == (401, "token_revoked")
    assert response["WWW-Authenticate"].startswith(BEARER_CHALLENGE)


def test_me_refuses_a_token_for_a_user_that_no_longer_exists(api_client):
    user = UserFactory()
    token = mint(user)
    user.delete()

    response = api_client.get(URL, **bearer(token))

    assert status_and_code(response) == (401, "token_revoked")
    assert response["WWW-Authenticate"].startswith(BEARER_CHALLENGE)


def test_me_refuses_a_non_uuid_subject(api_client):
    user = UserFactory()

    response = api_client.get(URL, **bearer(mint(user, sub="../../etc/passwd")))

    assert status_and_code(response) == (401, "token_revoked")
    assert response["WWW-Authenticate"].startswith(BEARER_CHALLENGE)


def test_roles_in_me_come_from_the_database(api_client):
    user = UserFactory()
    Account.objects.of(user).roles.add(RoleFactory(name="editor"))
    token = mint(user, roles=[])  # a token that claims no role

    assert api_client.get(URL, **bearer(token)).json()["roles"] == ["editor"]


def test_a_correctly_signed_token_without_a_session_is_refused(api_client, user):
    response = api_client.get(URL, **bearer(mint(user, sid=None)))

    assert status_and_code(response) == (401, "token_revoked")
    assert response["WWW-Authenticate"].startswith(BEARER_CHALLENGE)
