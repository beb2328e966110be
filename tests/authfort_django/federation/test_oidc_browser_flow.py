"""The browser flow against a real OpenID Provider (oidc-provider), over real HTTP."""

from __future__ import annotations

import pytest

from authfort_django.models import Account, AuthEvent, Identity, OAuthState
from tests.authfort_django.federation.conftest import APP, query_of, returned_with_error, with_query
from tests.authfort_django.mfa_helpers import totp_clock  # noqa: F401

pytestmark = pytest.mark.django_db


def exchange(client, callback_response) -> dict:
    assert callback_response.status_code == 302, callback_response.content
    location = callback_response["Location"]
    assert location.startswith(APP + "?code=")
    response = client.post("/auth/oauth/exchange", {"code": query_of(location)["code"]}, content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()


def test_first_sign_in_creates_the_account_and_identity_and_the_next_reuses_them(
    federation, oidc_provider, browser, client
):
    oidc_provider.set_account("alice-1", email="alice@example.com", email_verified=True, name="Alice")
    pair = exchange(client, browser.sign_in("alice-1"))
    assert pair["user"]["email"] == "alice@example.com"
    (identity,) = Identity.objects.all()
    assert (identity.provider, identity.subject, identity.email_verified) == ("local", "alice-1", True)
    user = identity.user
    assert not user.has_usable_password()  # no password until the reset flow sets one
    assert Account.objects.of(user).email_verified_at is not None

    again = exchange(client, browser.sign_in("alice-1"))
    assert again["user"]["id"] == pair["user"]["id"]
    assert Identity.objects.count() == 1
    me = client.get("/auth/me", HTTP_AUTHORIZATION=f"Bearer {again['access_token']}")
    assert me.status_code == 200 and me.json()["email"] == "alice@example.com"
    events = list(AuthEvent.objects.filter(user=user).values_list("type", flat=True))
    assert events.count("login_succeeded") == 2 and "identity_linked" in events and "register" in events


def test_cookie_mode_sets_the_cookies_and_redirects_without_a_token_in_the_url(
    federation, oidc_provider, browser, settings
):
    federation(COOKIE={"ENABLED": True})
    oidc_provider.set_account("carol-1", email="carol@example.com", email_verified=True)
    response = browser.sign_in("carol-1")
    assert response.status_code == 302
    assert response["Location"] == APP
    # Secure and no Domain: the prefixed names (api/cookies.py).
    assert response.cookies["__Host-access_token"].value and response.cookies["__Host-access_token"]["httponly"]
    assert response.cookies["__Secure-refresh_token"].value
    assert "token" not in response["Location"] and "code" not in response["Location"]


def test_in_cookie_mode_a_disabled_account_is_sent_back_with_an_error_not_cookies(
    federation, oidc_provider, browser, client
):
    oidc_provider.set_account("ivy-1", email="ivy@example.com", email_verified=True)
    exchange(client, browser.sign_in("ivy-1"))  # the account exists
    user = Identity.objects.get().user
    user.is_active = False
    user.save()
    federation(COOKIE={"ENABLED": True})
    assert returned_with_error(browser.sign_in("ivy-1")) == "account_disabled"
    assert AuthEvent.objects.filter(type="login_failed", user=user, detail__reason="inactive").exists()


def _with_totp(user, clock) -> str:
    """TOTP enabled for `user` (through the domain, as the API's confirm does); its secret."""
    from authfort_django.mfa import state, totp  # noqa: PLC0415

    secret = totp.start_setup(user).secret
    state.enable_totp(user, clock.code(secret))
    clock.next_step()
    return secret


def test_a_user_with_a_second_factor_gets_mfa_required_after_the_provider(
    federation, oidc_provider, browser, client, totp_clock
):
    from tests.factories import UserFactory  # noqa: PLC0415

    user = UserFactory(email="mfa-fed@example.com")
    secret = _with_totp(user, totp_clock)
    oidc_provider.set_account("mfa-fed", email="mfa-fed@example.com", email_verified=True)
    answer = exchange(client, browser.sign_in("mfa-fed"))
    assert answer["mfa_required"] is True and "access_token" not in answer and "totp" in answer["methods"]
    done = client.post(
        "/auth/login/mfa", {"mfa_token": answer["mfa_token"], "code": totp_clock.code(secret)},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    import jwt  # noqa: PLC0415

    assert jwt.decode(done.json()["access_token"], options={"verify_signature": False})["amr"] == ["fed", "otp", "mfa"]


def test_in_cookie_mode_a_user_with_a_second_factor_gets_an_exchange_code_not_cookies(
    federation, oidc_provider, browser, client, totp_clock
):
    from tests.factories import UserFactory  # noqa: PLC0415

    federation(COOKIE={"ENABLED": True})
    user = UserFactory(email="mfa-cookie@example.com")
    _with_totp(user, totp_clock)
    oidc_provider.set_account("mfa-cookie", email="mfa-cookie@example.com", email_verified=True)
    response = browser.sign_in("mfa-cookie")
    assert not any(name.endswith("access_token") for name in response.cookies)
    answer = exchange(client, response)
    assert answer["mfa_required"] is True and "access_token" not in answer


def test_the_authorize_redirect_carries_state_nonce_and_pkce_s256_and_a_httponly_cookie(federation, browser):
    response = browser.start()
    assert response.status_code == 302
    query = query_of(response["Location"])
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["state"] and query["nonce"] and query["client_id"] == "authfort-web"
    cookie = response.cookies["authfort_oauth"]
    assert cookie["httponly"] and cookie["path"] == "/auth/oauth/" and cookie["samesite"] == "Lax"
    assert response["Cache-Control"] == "no-store"


def test_a_signed_in_user_links_the_provider(federation, oidc_provider, browser, client, user_factory=None):
    from tests.factories import UserFactory  # noqa: PLC0415

    user = UserFactory(email="dave@example.com", password="a long password 123")
    login = client.post(
        "/auth/login", {"email": "dave@example.com", "password": "a long password 123"}, content_type="application/json"
    )
    token = login.json()["access_token"]
    # The provider's address differs: linking goes by the signed-in user, not by email.
    oidc_provider.set_account("dave-ext", email="dave.elsewhere@example.org", email_verified=False)
    started = client.get("/auth/oauth/local/authorize", {"redirect_to": APP, "link": "1"}, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert started.status_code == 302, started.content
    response = browser.get_ours(browser.to_callback(started["Location"], "dave-ext"))
    assert response.status_code == 302 and response["Location"] == APP + "?linked=local"
    (identity,) = Identity.objects.all()
    assert identity.user == user and identity.subject == "dave-ext"
    listed = client.get("/auth/identities", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert [i["provider"] for i in listed] == ["local"]
    # The next sign-in with the provider reaches dave's account.
    pair = exchange(client, browser.sign_in("dave-ext"))
    assert pair["user"]["email"] == "dave@example.com"


def test_link_without_a_signed_in_user_is_refused(federation, browser):
    response = browser.start(link="1")
    assert response.status_code == 401 and response.json()["code"] == "link_needs_sign_in"


def test_an_unverified_address_of_an_existing_account_is_refused_with_account_exists(federation, oidc_provider, browser):
    from tests.factories import UserFactory  # noqa: PLC0415

    UserFactory(email="erin@example.com")
    oidc_provider.set_account("erin-ext", email="erin@example.com", email_verified=False)
    response = browser.sign_in("erin-ext")
    assert returned_with_error(response) == "account_exists"
    assert not Identity.objects.exists()


def test_a_spelling_that_canonicalises_onto_another_account_is_refused(federation, oidc_provider, browser):
    from tests.factories import UserFactory  # noqa: PLC0415

    UserFactory(email="frank@example.com")
    # Fullwidth letters: NFKC folds them onto frank's address; never linked, never a new account.
    oidc_provider.set_account("frank-ext", email="ｆｒａｎｋ@example.com", email_verified=True)
    response = browser.sign_in("frank-ext")
    assert returned_with_error(response) == "account_exists"
    assert not Identity.objects.exists()


def test_a_verified_address_from_a_trusted_provider_links_the_existing_account(federation, oidc_provider, browser, client):
    from tests.factories import UserFactory  # noqa: PLC0415

    user = UserFactory(email="gina@example.com")
    oidc_provider.set_account("gina-ext", email="Gina@Example.com", email_verified=True)
    pair = exchange(client, browser.sign_in("gina-ext"))
    assert Identity.objects.get().user == user and pair["user"]["email"] == "gina@example.com"


def test_an_untrusted_provider_never_links_by_email(federation, oidc_provider, browser, settings):
    from tests.factories import UserFactory  # noqa: PLC0415

    UserFactory(email="hank@example.com")
    providers = settings.AUTHFORT["PROVIDERS"]
    federation(PROVIDERS={"local": {**providers["local"], "TRUST_EMAIL": False}})
    oidc_provider.set_account("hank-ext", email="hank@example.com", email_verified=True)
    response = browser.sign_in("hank-ext")
    assert returned_with_error(response) == "account_exists"


# -- refusals ---------------------------------------------------------------------------


def test_a_replayed_state_is_refused(federation, oidc_provider, browser, client):
    oidc_provider.set_account("ivy-1", email="ivy@example.com", email_verified=True)
    started = browser.start()
    callback = browser.to_callback(started["Location"], "ivy-1")
    assert browser.get_ours(callback).status_code == 302
    replay = browser.get_ours(callback)
    assert replay.status_code == 400 and replay.json()["code"] == "oauth_state_used"


@pytest.mark.parametrize("state", [None, "", "forged-state", "A" * 43])
def test_a_missing_or_forged_state_is_refused(federation, oidc_provider, browser, state):
    oidc_provider.set_account("jay-1", email="jay@example.com", email_verified=True)
    callback = browser.to_callback(browser.start()["Location"], "jay-1")
    query = query_of(callback)
    if state is None:
        query.pop("state")
    else:
        query["state"] = state
    response = browser.client.get("/auth/oauth/local/callback", query)
    assert response.status_code == 400 and response.json()["code"] == "oauth_state_invalid"
    # The real state was not spent by the forgery.
    assert browser.get_ours(callback).status_code == 302


def test_a_state_from_another_browser_is_refused(federation, oidc_provider, browser, client):
    oidc_provider.set_account("kim-1", email="kim@example.com", email_verified=True)
    callback = browser.to_callback(browser.start()["Location"], "kim-1")
    from django.test import Client  # noqa: PLC0415

    response = Client().get("/auth/oauth/local/callback", query_of(callback))
    assert response.status_code == 400 and response.json()["code"] == "oauth_state_invalid"


def test_an_expired_state_is_refused(federation, oidc_provider, browser):
    from datetime import timedelta  # noqa: PLC0415

    from django.utils import timezone  # noqa: PLC0415

    oidc_provider.set_account("lee-1", email="lee@example.com", email_verified=True)
    callback = browser.to_callback(browser.start()["Location"], "lee-1")
    OAuthState.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = browser.get_ours(callback)
    assert response.status_code == 400 and response.json()["code"] == "oauth_state_expired"


def test_a_provider_error_at_the_callback_is_refused_with_provider_denied(federation, browser):
    started = browser.start()
    state = query_of(started["Location"])["state"]
    response = browser.client.get(
        "/auth/oauth/local/callback", {"error": "access_denied", "error_description": "no", "state": state}
    )
    assert returned_with_error(response) == "provider_denied"
    assert AuthEvent.objects.filter(type="login_failed", detail__reason="provider_denied").exists()


def test_a_nonce_mismatch_is_refused(federation, oidc_provider, browser):
    oidc_provider.set_account("max-1", email="max@example.com", email_verified=True)
    callback = browser.to_callback(browser.start()["Location"], "max-1")
    OAuthState.objects.update(nonce="another-nonce")
    response = browser.get_ours(callback)
    assert returned_with_error(response) == "id_token_nonce_mismatch"
    assert not Identity.objects.exists()


def test_an_authorization_code_used_twice_is_refused_by_the_provider(federation, oidc_provider, browser):
    oidc_provider.set_account("nia-1", email="nia@example.com", email_verified=True)
    first = browser.to_callback(browser.start()["Location"], "nia-1")
    assert browser.get_ours(first).status_code == 302
    second = browser.to_callback(browser.start()["Location"], "nia-1")
    replay = with_query(second, code=query_of(first)["code"])
    response = browser.get_ours(replay)
    assert returned_with_error(response) == "provider_code_rejected"


def test_an_exchange_code_works_once(federation, oidc_provider, browser, client):
    oidc_provider.set_account("oli-1", email="oli@example.com", email_verified=True)
    code = query_of(browser.sign_in("oli-1")["Location"])["code"]
    assert client.post("/auth/oauth/exchange", {"code": code}, content_type="application/json").status_code == 200
    again = client.post("/auth/oauth/exchange", {"code": code}, content_type="application/json")
    assert again.status_code == 400 and again.json()["code"] == "exchange_code_invalid"


def test_an_exchange_code_expires_after_its_ttl(federation, oidc_provider, browser, client):
    from datetime import timedelta  # noqa: PLC0415

    from django.utils import timezone  # noqa: PLC0415

    from authfort_django.models import SignInCode  # noqa: PLC0415

    oidc_provider.set_account("pat-1", email="pat@example.com", email_verified=True)
    code = query_of(browser.sign_in("pat-1")["Location"])["code"]
    record = SignInCode.objects.get(kind="exchange")
    assert (record.expires_at - record.created_at) == timedelta(seconds=60)
    SignInCode.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.post("/auth/oauth/exchange", {"code": code}, content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "exchange_code_invalid"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example.com/after-sign-in",
        "http://app.example.com/after-sign-in",  # scheme
        "https://app.example.com:8443/after-sign-in",  # port
        "https://app.example.com/after-sign-in-evil",  # not a path segment
        "https://app.example.com/elsewhere",
        "https://app.example.com@evil.example.com/after-sign-in",
        "https://app.example.com/after-sign-in/../admin",
        "//evil.example.com/after-sign-in",
        "https:\\\\evil.example.com/after-sign-in",
        "javascript:alert(1)",
    ],
)
def test_a_redirect_target_off_the_allow_list_is_refused(federation, browser, target):
    response = browser.start(redirect_to=target)
    assert response.status_code == 400 and response.json()["code"] == "redirect_not_allowed"
    assert not OAuthState.objects.exists()


def test_a_redirect_target_under_the_allowed_prefix_is_accepted(federation, browser):
    assert browser.start(redirect_to=APP + "/deeper?tab=1").status_code == 302


def test_an_unknown_provider_is_refused(federation, browser):
    for name in ("nope", "LOCAL", "local%20x"):
        response = browser.client.get(f"/auth/oauth/{name}/authorize", {"redirect_to": APP})
        assert response.status_code == 404 and response.json()["code"] == "unknown_provider"


def test_the_providers_key_rotation_is_followed(federation, oidc_provider, browser, client, clocks):
    oidc_provider.set_account("quinn-1", email="quinn@example.com", email_verified=True)
    exchange(client, browser.sign_in("quinn-1"))  # keys fetched and cached
    oidc_provider.rotate_keys()
    clocks.advance(10)  # past the refetch spacing (min_refetch_interval): no wall-clock wait
    pair = exchange(client, browser.sign_in("quinn-1"))  # unknown kid -> one refetch
    assert pair["user"]["email"] == "quinn@example.com"


def test_a_provider_that_is_down_gets_a_clear_503(federation, browser, settings):
    from tests.helpers.service_process import free_port  # noqa: PLC0415

    federation(PROVIDERS={"down": {"ISSUER": f"http://127.0.0.1:{free_port()}", "CLIENT_ID": "x"}})
    response = browser.start("down")
    assert response.status_code == 503 and response.json()["code"] == "provider_unavailable"
    assert response["Retry-After"]
