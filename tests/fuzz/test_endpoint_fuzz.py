"""Every endpoint against arbitrary and structured-but-wrong requests, through the
DRF test client with the real database.

The properties of every answer: never a 5xx (the test client re-raises any
unhandled exception, so that fails too); an error is JSON `{"detail", "code"}`
with both strings; `X-Content-Type-Options: nosniff`; and no password sent in
the request appears anywhere in the answer.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from authfort_django import urls as authfort_urls
from authfort_django.conf import THROTTLE_DEFAULTS
from tests.authfort_django.helpers import INTROSPECTION_SECRET, bearer, login
from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.fuzz.strategies import json_values, objects_with, values_or

pytestmark = pytest.mark.django_db

# Passwords distinctive enough that finding one in an answer means it was echoed.
secrets = st.from_regex(r"[A-Za-z0-9]{20,40}", fullmatch=True)
passwords = st.one_of(secrets, st.just(DEFAULT_PASSWORD), json_values)
emails = values_or("member@example.com", "MEMBER@example.com ", "new@example.com", "", "a@b", "x" * 300)
tokens = values_or("", "x" * 43, "a.b.c", "e30.e30.", "\x00")

CONTENT_TYPES = [
    "application/json",
    "application/json; charset=latin-1",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=zz",
    "text/plain",
    "",
]


@pytest.fixture(autouse=True)
def _no_log_guard(settings):
    # The suite's log guard treats every password or token sent as a secret that no log
    # line may contain; fuzzed "passwords" include strings like "Content-Type" (hypothesis
    # mines literals from the source), which then match innocent log lines elsewhere.
    # Echoing is checked here instead, with distinctive generated secrets (see `check`).
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "tests.log_guard.SecretCollectorMiddleware"]


@pytest.fixture(autouse=True)
def _no_throttles(settings):
    # Throttling has its own tests; here every request must reach the view.
    settings.AUTHFORT = {
        **settings.AUTHFORT,
        "THROTTLE_RATES": {scope: None for scope in THROTTLE_DEFAULTS},
    }


class Account:
    """A user and its current password (a fuzzed password change may succeed)."""

    def __init__(self) -> None:
        self.user = UserFactory(email="member@example.com")
        self.password = DEFAULT_PASSWORD

    def bearer(self, client: Any) -> dict[str, str]:
        return bearer(login(client, self.user, self.password)["access_token"])


@pytest.fixture
def member(db) -> Account:
    return Account()


@pytest.fixture
def staff_auth(api_client, db):
    staff = UserFactory(email="staff@example.com", is_staff=True)
    return bearer(login(api_client, staff, DEFAULT_PASSWORD)["access_token"])


def secrets_in(body: Any) -> list[str]:
    if not isinstance(body, dict):
        return []
    return [
        v for k, v in body.items()
        if k in ("password", "old_password", "new_password") and isinstance(v, str) and len(v) >= 20
    ]


def check(response: Any, sent: Any = None) -> None:
    event(f"{response.wsgi_request.path.split('/')[2] if response.wsgi_request.path.count('/') > 1 else ''} -> {response.status_code}")
    assert response.status_code < 500, response.content[:500]
    assert response["X-Content-Type-Options"] == "nosniff"
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json"), response.content[:200]
        error = response.json()
        assert isinstance(error.get("detail"), (str, list, dict)) and error["detail"], error
        assert isinstance(error.get("code"), str) and error["code"], error
    text = response.content.decode("utf-8", "replace")
    for secret in secrets_in(sent):
        if secret != DEFAULT_PASSWORD:
            assert secret not in text


def post_json(client: Any, path: str, body: Any, **extra: Any) -> Any:
    response = client.generic("POST", path, json.dumps(body), content_type="application/json", **extra)
    check(response, body)
    return response


fresh_emails = st.from_regex(r"[a-z]{4,12}@example\.com", fullmatch=True)
credentials = st.one_of(
    objects_with({"email": emails, "password": passwords, "name": json_values}),
    # Valid bodies (a new account, the existing one) with stray or odd extra members,
    # so the success paths are fuzzed too.
    st.tuples(
        st.one_of(fresh_emails, st.just("member@example.com")),
        objects_with({"name": json_values, "is_staff": json_values, "roles": json_values}),
    ).map(lambda pair: {**pair[1], "email": pair[0], "password": DEFAULT_PASSWORD}),
)


@given(body=st.one_of(credentials, json_values))
def test_register_and_login_answer_any_json(api_client, member, body):
    post_json(api_client, "/auth/register", body)
    post_json(api_client, "/auth/login", body)


@given(body=st.one_of(objects_with({"refresh_token": st.one_of(tokens, json_values)}), json_values))
def test_refresh_and_logout_answer_any_json(api_client, body):
    post_json(api_client, "/auth/refresh", body)
    post_json(api_client, "/auth/logout", body)


@given(
    body=st.one_of(objects_with({"old_password": passwords, "new_password": passwords}), json_values),
)
def test_password_change_answers_any_json(api_client, member, body):
    # A fresh session each time: a successful change ends the previous ones.
    response = post_json(api_client, "/auth/password", body, **member.bearer(api_client))

    if response.status_code == 200:
        member.password = body["new_password"]


@given(body=st.one_of(objects_with({"name": values_or("auditor", "Not A Slug", ""), "description": json_values}),
                      json_values))
def test_role_creation_answers_any_json(api_client, staff_auth, body):
    post_json(api_client, "/auth/roles", body, **staff_auth)


@given(
    body=st.one_of(objects_with({"token": st.one_of(tokens, json_values)}), json_values),
    as_form=st.booleans(),
    authorization=st.one_of(
        st.sampled_from([f"Bearer {INTROSPECTION_SECRET}", "Bearer", "Basic x", "", f"bearer  {INTROSPECTION_SECRET} "]),
        st.text(alphabet=st.characters(max_codepoint=0xFF), max_size=80),
    ),
)
def test_introspection_answers_any_request(api_client, body, as_form, authorization):
    extra = {"HTTP_AUTHORIZATION": authorization} if isinstance(authorization, str) else {}
    if as_form and isinstance(body, dict):
        form = "&".join(f"{quote(str(k))}={quote(str(v))}" for k, v in body.items())
        response = api_client.generic(
            "POST", "/auth/introspect", form, content_type="application/x-www-form-urlencoded", **extra
        )
        check(response)
    else:
        response = post_json(api_client, "/auth/introspect", body, **extra)
    if response.status_code == 200:
        assert response.json() == {"active": False}  # no generated token is a live one


@given(
    body=st.one_of(objects_with({"email": emails}), json_values),
    path=st.sampled_from(["/auth/password-reset", "/auth/verify-email/request"]),
)
def test_mail_requests_answer_any_json(api_client, mailoutbox, member, body, path):
    response = post_json(api_client, path, body)

    assert response.status_code in (202, 400, 415), response.content[:200]


@given(
    body=st.one_of(objects_with({"token": st.one_of(tokens, json_values), "new_password": passwords}), json_values),
    path=st.sampled_from(["/auth/password-reset/confirm", "/auth/verify-email"]),
)
def test_mailed_token_confirmations_answer_any_json(api_client, body, path):
    response = post_json(api_client, path, body)

    assert response.status_code == 400, response.content[:200]  # no generated token is a real one


# Every POST route without a path parameter, read from the URL conf, so a new one is fuzzed too.
POST_PATHS = sorted(
    "/" + str(pattern.pattern)
    for pattern in authfort_urls.urlpatterns
    if "<" not in str(pattern.pattern) and hasattr(getattr(pattern.callback, "view_class", None), "post")
)


def test_the_raw_body_fuzz_reaches_every_post_endpoint():
    assert {"/auth/register", "/auth/password-reset/confirm", "/auth/verify-email", "/auth/introspect"} <= set(POST_PATHS)


@given(
    path=st.sampled_from(POST_PATHS),
    content_type=st.sampled_from(CONTENT_TYPES),
    raw=st.binary(max_size=300),
)
def test_any_bytes_with_any_content_type_get_a_clean_answer(api_client, path, content_type, raw):
    response = api_client.generic(
        "POST", path, raw, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {INTROSPECTION_SECRET}"
    )

    check(response)


# One path segment: a "/" (even as %2F, which the server decodes) would leave the route
# altogether for the project's own 404 page, which is not an authfort endpoint.
segments = st.text(max_size=60).filter(lambda s: "/" not in s and s not in ("", ".", ".."))


@given(session_id=segments)
def test_session_ids_in_the_path_answer_cleanly(api_client, member, session_id):
    check(api_client.delete(f"/auth/sessions/{quote(session_id, safe='')}", **member.bearer(api_client)))


@given(user_id=segments, role=segments, action=st.sampled_from(["put-role", "delete-role", "ban", "unban"]))
def test_user_ids_and_role_names_in_the_path_answer_cleanly(api_client, staff_auth, user_id, role, action):
    user, role = quote(user_id, safe=""), quote(role, safe="")
    if action == "put-role":
        response = api_client.put(f"/auth/users/{user}/roles/{role}", **staff_auth)
    elif action == "delete-role":
        response = api_client.delete(f"/auth/users/{user}/roles/{role}", **staff_auth)
    else:
        response = api_client.post(f"/auth/users/{user}/{action}", **staff_auth)

    check(response)


# A WSGI (or Django ASGI) server hands header values over decoded as latin-1, so
# nothing above U+00FF can arrive; the test client alone would pass it through.
header_text = st.text(alphabet=st.characters(max_codepoint=0xFF), max_size=200)


@given(authorization=st.one_of(header_text, header_text.map(lambda t: "Bearer " + t)))
def test_any_authorization_header_gets_a_clean_answer(api_client, authorization):
    response = api_client.get("/auth/me", HTTP_AUTHORIZATION=authorization)

    check(response)
    assert response.status_code in (401, 403)
