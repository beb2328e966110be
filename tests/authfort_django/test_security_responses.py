"""What every answer carries and what every request is held to: no caching of tokens,
no content sniffing, bounded bodies, JSON only where JSON is documented, and no
secret echoed back in an error."""

import pytest

from authfort_django.models import User
from tests.authfort_django.helpers import (
    INTROSPECTION_SECRET,
    bearer,
    login,
    status_and_code,
)
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

# Endpoints that read a request body (POST), with a body that is valid in shape.
BODY_ENDPOINTS = {
    "/auth/register": {"email": "ada@example.com", "password": DEFAULT_PASSWORD},
    "/auth/login": {"email": "ada@example.com", "password": DEFAULT_PASSWORD},
    "/auth/refresh": {"refresh_token": "x" * 43},
    "/auth/logout": {"refresh_token": "x" * 43},
    "/auth/password": {"old_password": DEFAULT_PASSWORD, "new_password": "another fine passphrase 7"},
    "/auth/roles": {"name": "auditor"},
    "/auth/password-reset": {"email": "ada@example.com"},
    "/auth/password-reset/confirm": {"token": "x", "new_password": DEFAULT_PASSWORD},
    "/auth/verify-email/request": {"email": "ada@example.com"},
    "/auth/verify-email": {"token": "x"},
    "/auth/introspect": {"token": "x"},
}
# Documented as JSON only (introspection also takes a form, as RFC 7662 says).
JSON_ONLY = sorted(set(BODY_ENDPOINTS) - {"/auth/introspect"})


@pytest.fixture
def staff(db):
    return UserFactory(is_staff=True)


@pytest.fixture
def staff_headers(api_client, staff):
    return bearer(login(api_client, staff, DEFAULT_PASSWORD)["access_token"])


def headers_for(path, staff_headers):
    if path == "/auth/introspect":
        return {"HTTP_AUTHORIZATION": f"Bearer {INTROSPECTION_SECRET}"}
    if path in ("/auth/password", "/auth/roles"):
        return staff_headers
    return {}


@pytest.mark.parametrize("path", sorted(BODY_ENDPOINTS))
def test_a_body_over_the_size_limit_is_413_with_a_code(api_client, settings, staff_headers, path):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4096
    body = b'{"password": "' + b"p" * 5000 + b'"}'

    response = api_client.generic("POST", path, body, content_type="application/json", **headers_for(path, staff_headers))

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"
    assert "larger than this server accepts" in response.json()["detail"]


def test_a_form_with_too_many_fields_is_400_with_a_code(api_client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 10
    body = "&".join(f"f{n}=v" for n in range(50))

    response = api_client.generic(
        "POST", "/auth/introspect", body, content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"Bearer {INTROSPECTION_SECRET}",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "too_many_fields"


@pytest.mark.parametrize("path", JSON_ONLY)
@pytest.mark.parametrize(
    "content_type, raw",
    [
        ("application/x-www-form-urlencoded", "email=ada%40example.com&password=x"),
        ("text/plain", '{"email": "ada@example.com"}'),
        ("multipart/form-data; boundary=xyz", "--xyz--"),
        ("application/xml", "<email/>"),
    ],
    ids=["form", "text-plain", "multipart", "xml"],
)
def test_json_only_endpoints_answer_other_content_types_with_415(api_client, staff_headers, path, content_type, raw):
    response = api_client.generic("POST", path, raw, content_type=content_type, **headers_for(path, staff_headers))

    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def token_answers(api_client, **login_fields):
    """One answer of each endpoint that hands out tokens (in the body: login asks with `login_fields`)."""
    registered = api_client.post(
        "/auth/register", {"email": "ada@example.com", "password": DEFAULT_PASSWORD}, format="json"
    )
    logged_in = api_client.post(
        "/auth/login", {"email": "ada@example.com", "password": DEFAULT_PASSWORD, **login_fields}, format="json"
    )
    refreshed = api_client.post("/auth/refresh", {"refresh_token": logged_in.json()["refresh_token"]}, format="json")
    changed = api_client.post(
        "/auth/password",
        {"old_password": DEFAULT_PASSWORD, "new_password": "another fine passphrase 7"},
        format="json",
        **bearer(refreshed.json()["access_token"]),
    )
    introspected = api_client.post(
        "/auth/introspect", {"token": changed.json()["access_token"]}, format="json",
        HTTP_AUTHORIZATION=f"Bearer {INTROSPECTION_SECRET}",
    )
    return {"register": registered, "login": logged_in, "refresh": refreshed, "password": changed,
            "introspect": introspected}


def test_every_token_answer_is_not_stored_by_caches(api_client):
    answers = token_answers(api_client)

    assert {name: r.status_code for name, r in answers.items()} == {
        "register": 201, "login": 200, "refresh": 200, "password": 200, "introspect": 200,
    }
    for name, response in answers.items():
        assert response["Cache-Control"] == "no-store", name
        assert response["Pragma"] == "no-cache", name


def test_token_answers_in_cookie_mode_are_not_stored_either(api_client, settings):
    settings.AUTHFORT = {**settings.AUTHFORT, "COOKIE": {"ENABLED": True, "SECURE": False}}

    answers = token_answers(api_client, token_delivery="body")
    answers["login by cookie"] = api_client.post(
        "/auth/login", {"email": "ada@example.com", "password": "another fine passphrase 7"}, format="json"
    )
    assert answers["login by cookie"].status_code == 200 and "access_token" in answers["login by cookie"].cookies
    for name, response in answers.items():
        assert response["Cache-Control"] == "no-store", name


@pytest.mark.parametrize(
    "method, path",
    [
        ("get", "/.well-known/jwks.json"),
        ("get", "/.well-known/oauth-authorization-server"),
        ("get", "/health"),
        ("get", "/auth/me"),
        ("post", "/auth/login"),
        ("post", "/auth/register"),
        ("post", "/auth/refresh"),
        ("post", "/auth/introspect"),
        ("delete", "/auth/sessions/not-a-uuid"),
    ],
)
def test_every_answer_forbids_content_sniffing(api_client, method, path):
    response = getattr(api_client, method)(path, {}, format="json")

    assert response["X-Content-Type-Options"] == "nosniff"


def test_errors_do_not_echo_the_password(api_client):
    UserFactory(email="ada@example.com")
    secret = "Tr0ub4dor&3-but-much-longer-" + "z" * 1100
    answers = [
        api_client.post("/auth/login", {"email": "ada@example.com", "password": secret}, format="json"),
        api_client.post("/auth/login", {"email": "ada@example.com", "password": secret[:40]}, format="json"),
        api_client.post("/auth/register", {"email": "bob@example.com", "password": secret}, format="json"),
        api_client.post("/auth/register", {"email": "bob@example.com", "password": "ada@example.com1"}, format="json"),
        api_client.post("/auth/register", {"email": "not an email", "password": secret[:40]}, format="json"),
    ]

    assert [status_and_code(r) for r in answers] == [
        (400, "invalid_request"),
        (401, "invalid_credentials"),
        (400, "invalid_request"),
        (400, "invalid_request"),
        (400, "invalid_request"),
    ]
    for response in answers:
        text = response.content.decode()
        assert secret[:40] not in text
        assert "ada@example.com1" not in text


def test_errors_do_not_echo_a_refresh_or_introspection_secret(api_client):
    refresh_like = "R" * 20 + "secret-refresh-token-value" + "Q" * 10
    answers = [
        api_client.post("/auth/refresh", {"refresh_token": refresh_like}, format="json"),
        api_client.post("/auth/logout", {"refresh_token": refresh_like}, format="json"),
        api_client.post("/auth/introspect", {"token": "x"}, format="json", HTTP_AUTHORIZATION=f"Bearer {refresh_like}"),
    ]

    assert [status_and_code(r) for r in answers] == [
        (401, "refresh_token_invalid"),
        (401, "refresh_token_invalid"),
        (401, "invalid_client"),
    ]
    for response in answers:
        assert "secret-refresh-token-value" not in response.content.decode()
    assert User.objects.count() == 0


def test_the_reference_project_accepts_bodies_of_at_most_64_kib(api_client, settings):
    from config import settings as reference_settings

    assert reference_settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 64 * 1024
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = reference_settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    padding = "x" * (64 * 1024)

    response = api_client.post("/auth/login", {"email": "ada@example.com", "password": "p", "pad": padding}, format="json")

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


# RFC 9110 §15.5.2: every 401 carries a challenge; RFC 6750 §3.1: without credentials, no error code.


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("/auth/login", {"email": "nobody@example.com", "password": "wrong password"}, "invalid_credentials"),
        ("/auth/refresh", {"refresh_token": "x" * 43}, "refresh_token_invalid"),
        ("/auth/refresh", {}, "refresh_token_missing"),
        ("/auth/logout", {}, "not_authenticated"),
    ],
)
def test_every_401_names_the_bearer_scheme_without_an_error_code(api_client, path, body, code):
    response = api_client.post(path, body, format="json")

    assert (response.status_code, response.json()["code"]) == (401, code)
    assert response["WWW-Authenticate"] == 'Bearer realm="authfort"'


def test_a_request_without_a_token_gets_the_realm_only_and_a_bad_token_the_error(api_client):
    anonymous = api_client.get("/auth/me")
    refused = api_client.get("/auth/me", HTTP_AUTHORIZATION="Bearer not.a.token")

    assert anonymous["WWW-Authenticate"] == 'Bearer realm="authfort"'
    assert refused["WWW-Authenticate"].startswith('Bearer realm="authfort", error="invalid_token", error_description="')
