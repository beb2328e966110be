"""Passkeys in a real browser: Debian's chromium, headless, driven by Selenium through
Debian's chromedriver, with the DevTools virtual authenticator (a CTAP2 platform
authenticator with resident keys and user verification).

The page is served from the relying party's origin (the live auth server at
http://localhost:<port>, RP ID "localhost"): the browser checks that origin and RP ID
itself, and the server checks what the browser signed. Over the real API: register
an account, register a passkey, sign out, sign in without a password, then use the
passkey as the second factor of a password login. `.ci/run` installs chromium and
chromium-driver; without them (outside CI) the test is skipped.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Iterator

import jwt
import pytest

pytestmark = pytest.mark.slow

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        if os.environ.get("CI"):
            pytest.fail(f"{CHROMIUM} and {CHROMEDRIVER} are missing; .ci/run installs chromium and chromium-driver")
        pytest.skip("chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    # Selenium logs each script's arguments at DEBUG, the test password among them: the
    # suite's log guard (tests/log_guard.py) would rightly call that a leak.
    logging.getLogger("selenium").setLevel(logging.INFO)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_script_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def rp_server(tmp_path_factory) -> Iterator[object]:
    from tests.helpers.live_server import LiveAuthServer

    server = LiveAuthServer(tmp_path_factory.mktemp("passkey_server"), workers=1)
    origin = f"http://localhost:{server.port}"
    server.env.update(
        {"AUTHFORT_WEBAUTHN_RP_ID": "localhost", "AUTHFORT_WEBAUTHN_ORIGINS": origin, "AUTHFORT_ISSUER": origin}
    )
    server.issuer = origin
    server.start()
    server.origin = origin
    yield server
    server.stop()


@pytest.fixture
def authenticator(browser) -> Iterator[object]:
    from selenium.webdriver.common.virtual_authenticator import Protocol, Transport, VirtualAuthenticatorOptions

    browser.add_virtual_authenticator(VirtualAuthenticatorOptions(
        protocol=Protocol.CTAP2, transport=Transport.INTERNAL, has_resident_key=True,
        has_user_verification=True, is_user_verified=True,
    ))
    yield browser
    browser.remove_virtual_authenticator()


# Runs in the page: the API over fetch, the ceremonies through navigator.credentials.
_PAGE_HELPERS = """
window.api = async (path, body, token) => {
  const headers = {"Content-Type": "application/json"};
  if (token) headers["Authorization"] = "Bearer " + token;
  const r = await fetch(path, {method: "POST", headers, body: JSON.stringify(body || {})});
  const text = await r.text();
  return {status: r.status, body: text ? JSON.parse(text) : null};
};
window.createPasskey = async (publicKey) =>
  (await navigator.credentials.create({publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(publicKey)})).toJSON();
window.usePasskey = async (publicKey) =>
  (await navigator.credentials.get({publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(publicKey)})).toJSON();
"""


def _run(browser, body: str, *args: object) -> dict:
    """Run `body` (async JS using api/createPasskey/usePasskey and `args`) in the page; its result."""
    script = (
        "const done = arguments[arguments.length - 1]; const args = JSON.parse(arguments[0]);"
        f"(async () => {{ {body} }})().then(r => done(JSON.stringify(r)), e => done(JSON.stringify({{error: String(e)}})));"
    )
    result = json.loads(browser.execute_async_script(script, json.dumps(list(args))))
    assert "error" not in result, result
    return result


def _amr(token: str) -> list[str]:
    return jwt.decode(token, options={"verify_signature": False})["amr"]


def test_register_a_passkey_sign_out_sign_in_without_password_and_use_it_as_second_factor(rp_server, authenticator):
    browser = authenticator
    browser.get(f"{rp_server.origin}/health")  # a document of the RP's origin
    browser.execute_script(_PAGE_HELPERS)
    email, password = "passkey-user@example.com", "correct horse battery staple 42"

    registered = _run(browser, """
        const account = await api("/auth/register", {email: args[0], password: args[1]});
        const options = await api("/auth/passkeys/register/options", {}, account.body.access_token);
        const credential = await createPasskey(options.body.publicKey);
        const added = await api("/auth/passkeys/register", {credential, name: "virtual"}, account.body.access_token);
        const logout = await api("/auth/logout", {}, account.body.access_token);
        return {added, logout: logout.status};
    """, email, password)
    assert registered["added"]["status"] == 201, registered
    assert registered["added"]["body"]["passkey"]["name"] == "virtual"
    assert len(registered["added"]["body"]["recovery_codes"]) == 10  # the account's first factor
    assert registered["logout"] == 204

    passwordless = _run(browser, """
        const options = await api("/auth/passkeys/login/options", {});
        const credential = await usePasskey(options.body.publicKey);
        return await api("/auth/passkeys/login", {challenge_token: options.body.challenge_token, credential});
    """)
    assert passwordless["status"] == 200, passwordless
    assert _amr(passwordless["body"]["access_token"]) == ["hwk", "mfa"]

    second_factor = _run(browser, """
        const first = await api("/auth/login", {email: args[0], password: args[1]});
        const credential = await usePasskey(first.body.passkey_options.publicKey);
        const done = await api("/auth/login/mfa", {mfa_token: first.body.mfa_token, passkey: credential});
        return {first: first.body, done};
    """, email, password)
    assert second_factor["first"]["mfa_required"] is True
    assert "access_token" not in second_factor["first"]
    assert second_factor["first"]["methods"] == ["passkey", "recovery_code"]
    assert second_factor["done"]["status"] == 200, second_factor
    assert _amr(second_factor["done"]["body"]["access_token"]) == ["pwd", "hwk", "mfa"]

    # The authenticator's counter moved with each use; a replayed assertion does not pass again.
    replay = _run(browser, """
        const options = await api("/auth/passkeys/login/options", {});
        const credential = await usePasskey(options.body.publicKey);
        const once = await api("/auth/passkeys/login", {challenge_token: options.body.challenge_token, credential});
        const again = await api("/auth/passkeys/login", {challenge_token: options.body.challenge_token, credential});
        return {once: once.status, again: again.body.code};
    """, email)
    assert replay == {"once": 200, "again": "challenge_token_invalid"}
