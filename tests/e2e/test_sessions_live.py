"""Sessions and revocation through real HTTP against auth-server processes (gunicorn,
two workers, its own database: SQLite, or PostgreSQL when the suite runs on it)."""

from __future__ import annotations

import threading
import uuid

import pytest
import requests

pytestmark = pytest.mark.slow


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _introspect(server, token: str) -> dict:
    response = server.post("/auth/introspect", {"token": token}, headers=_bearer(server.introspection_secret))
    assert response.status_code == 200, response.text
    return response.json()


def _refresh(server, refresh_token: str) -> requests.Response:
    return server.post("/auth/refresh", {"refresh_token": refresh_token})


def _refresh_refusal(server, refresh_token: str) -> tuple[int, str]:
    """(status, code) of a refresh that must be refused."""
    response = _refresh(server, refresh_token)
    assert response.status_code != 200, response.text
    return response.status_code, response.json()["code"]


def _make_admin(server, email: str) -> None:
    server.manage(
        "shell", "-c",
        f"from authfort_django.models import User; User.objects.filter(email={email!r}).update(is_staff=True)",
    )


def _assert_not_logged(server, *secrets: str) -> None:
    log = server.log_text()
    for secret in secrets:
        assert secret not in log


def test_replaying_a_rotated_refresh_token_kills_the_session(auth_server):
    account = auth_server.register()
    r1 = account["refresh_token"]

    second = _refresh(auth_server, r1)
    assert second.status_code == 200
    r2, a2 = second.json()["refresh_token"], second.json()["access_token"]
    answer = _introspect(auth_server, a2)
    assert answer["active"] is True and answer["sid"]

    replay = _refresh(auth_server, r1)

    assert replay.status_code == 401
    assert replay.json()["code"] == "refresh_token_reused"
    dead = _refresh(auth_server, r2)
    assert dead.status_code == 401
    assert dead.json()["code"] == "refresh_token_revoked"
    assert _introspect(auth_server, a2) == {"active": False}
    assert _introspect(auth_server, account["access_token"]) == {"active": False}
    _assert_not_logged(auth_server, r1, r2, a2, account["access_token"], account["password"])


def test_concurrent_refreshes_of_one_token_let_exactly_one_win(auth_server):
    refresh_token = auth_server.register()["refresh_token"]
    count = 10
    barrier = threading.Barrier(count)
    statuses: list[int] = []
    codes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        with requests.Session() as http:
            barrier.wait()
            response = http.post(f"{auth_server.url}/auth/refresh", json={"refresh_token": refresh_token}, timeout=30)
        with lock:
            statuses.append(response.status_code)
            if response.status_code != 200:
                codes.append(response.json()["code"])

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert len(statuses) == count
    assert statuses.count(200) == 1
    assert sorted(set(statuses)) == [200, 401]
    assert set(codes) == {"refresh_token_reused"}  # every loser presented a used token


def test_logout_over_http(auth_server):
    account = auth_server.register()

    assert auth_server.post("/auth/logout", headers=_bearer(account["access_token"])).status_code == 204

    assert _introspect(auth_server, account["access_token"]) == {"active": False}
    assert _refresh_refusal(auth_server, account["refresh_token"]) == (401, "refresh_token_revoked")


def test_logout_all_over_http(auth_server):
    account = auth_server.register()
    other = auth_server.login(account["email"]).json()

    assert auth_server.post("/auth/logout-all", headers=_bearer(account["access_token"])).status_code == 204

    for pair in (account, other):
        assert _introspect(auth_server, pair["access_token"]) == {"active": False}
        assert _refresh_refusal(auth_server, pair["refresh_token"]) == (401, "refresh_token_revoked")


def test_password_change_over_http(auth_server):
    account = auth_server.register()
    new_password = "another long passphrase 12"

    response = auth_server.post(
        "/auth/password",
        {"old_password": account["password"], "new_password": new_password},
        headers=_bearer(account["access_token"]),
    )

    assert response.status_code == 200
    assert _introspect(auth_server, account["access_token"]) == {"active": False}
    assert _refresh_refusal(auth_server, account["refresh_token"]) == (401, "refresh_token_revoked")
    assert _introspect(auth_server, response.json()["access_token"])["active"] is True
    assert auth_server.login(account["email"], new_password).status_code == 200
    _assert_not_logged(auth_server, account["password"], new_password)


def test_role_change_and_ban_over_http(auth_server):
    admin = auth_server.register()
    _make_admin(auth_server, admin["email"])
    target = auth_server.register()
    admin_headers = _bearer(admin["access_token"])
    assert auth_server.post("/auth/roles", {"name": f"r{uuid.uuid4().hex[:8]}"}, headers=admin_headers).status_code == 201
    role = auth_server.get("/auth/roles", headers=admin_headers).json()[-1]["name"]

    granted = requests.put(f"{auth_server.url}/auth/users/{target['user']['id']}/roles/{role}", headers=admin_headers, timeout=30)
    assert granted.status_code == 204
    assert _introspect(auth_server, target["access_token"]) == {"active": False}
    renewed = _refresh(auth_server, target["refresh_token"]).json()
    assert role in _introspect(auth_server, renewed["access_token"])["roles"]

    banned = auth_server.post(f"/auth/users/{target['user']['id']}/ban", headers=admin_headers)
    assert banned.status_code == 204
    assert _introspect(auth_server, renewed["access_token"]) == {"active": False}
    assert _refresh_refusal(auth_server, renewed["refresh_token"]) == (401, "refresh_token_revoked")
    login = auth_server.login(target["email"])
    assert login.status_code == 401
    assert login.json()["code"] == "invalid_credentials"


def test_cookie_mode_over_http(start_auth_server):
    server = start_auth_server(AUTHFORT_COOKIE_ENABLED="true", AUTHFORT_COOKIE_SECURE="true")
    account = server.register()
    login = server.login(account["email"])
    assert set(login.json()) == {"user", "expires_in"}  # the tokens are only in the cookies
    raw_cookies = login.raw.headers.getlist("Set-Cookie")
    by_name = {header.split("=", 1)[0]: header for header in raw_cookies}

    # Secure without a Domain: __Host- where Path=/, __Secure- on the path-limited refresh cookie.
    access, refresh, csrf = "__Host-access_token", "__Secure-refresh_token", "__Host-authfort_csrf"
    assert set(by_name) == {access, refresh, csrf}
    assert "HttpOnly" in by_name[access] and "HttpOnly" in by_name[refresh]
    assert "HttpOnly" not in by_name[csrf]
    assert "Domain" not in by_name[access] and "Path=/;" in by_name[access] + ";"
    for header in by_name.values():
        assert "Secure" in header and "SameSite=Lax" in header
    assert "Path=/auth/" in by_name[refresh]
    assert "Max-Age=900" in by_name[access]

    jar = {name: login.cookies[name] for name in (access, refresh, csrf)}
    without = requests.post(f"{server.url}/auth/refresh", cookies=jar, timeout=30)
    assert without.status_code == 403
    assert without.json()["code"] == "csrf_failed"
    with_header = requests.post(
        f"{server.url}/auth/refresh", cookies=jar, headers={"X-CSRF-Token": jar[csrf]}, timeout=30
    )
    assert with_header.status_code == 200
    assert set(with_header.json()) == {"user", "expires_in"}
