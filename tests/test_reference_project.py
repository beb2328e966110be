"""The reference project (config/) as deployed: the production variables pass
`check --deploy`, static files come from WhiteNoise, the admin is where the
environment puts it (or nowhere), and errors outside the API answer JSON.

Settings are read once per process, so what depends on the environment runs
`config.settings` in a subprocess with exactly that environment.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import clear_url_caches, path

import config.settings
import config.urls

REPO_ROOT = Path(__file__).resolve().parents[1]
PRODUCTION_ENV = REPO_ROOT / "docker" / "production.env"


def production_env() -> dict[str, str]:
    """docker/production.env as documented, each <placeholder> replaced by a fresh secret."""
    env = {}
    for line in PRODUCTION_ENV.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, value = line.split("=", 1)
            env[name] = re.sub(r"<[^>]*>", lambda _: secrets.token_urlsafe(48), value)
    return env


def run_reference(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """A Python process of the reference project with only `env` (and PATH) set."""
    return subprocess.run(
        [sys.executable, *args], cwd=REPO_ROOT, env={"PATH": os.environ.get("PATH", ""), **env},
        capture_output=True, text=True, timeout=120,
    )


def settings_under(env: dict[str, str], *names: str) -> dict:
    """The named settings of config.settings as loaded from `env`."""
    code = (
        "import json, config.settings as s; "
        f"print(json.dumps({{name: getattr(s, name) for name in {list(names)!r}}}))"
    )
    loaded = run_reference(["-c", code], {"SECRET_KEY": secrets.token_urlsafe(50), **env})
    assert loaded.returncode == 0, loaded.stderr
    return json.loads(loaded.stdout)


# HTTPS settings and `check --deploy`

def test_check_deploy_reports_nothing_with_the_documented_production_variables():
    checked = run_reference(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], production_env())

    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "System check identified no issues (0 silenced)." in checked.stdout


@pytest.mark.parametrize(
    ("left_out", "warning"),
    [("SECURE_HSTS_SECONDS", "security.W004"), ("SECURE_SSL_REDIRECT", "security.W008")],
)
def test_check_deploy_names_each_https_variable_left_out(left_out, warning):
    env = production_env()
    del env[left_out]

    checked = run_reference(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    assert checked.returncode == 1
    assert warning in checked.stderr


def test_the_https_settings_follow_their_variables():
    loaded = settings_under(
        {
            "SECURE_HSTS_SECONDS": "600", "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true", "SECURE_HSTS_PRELOAD": "true",
            "SECURE_SSL_REDIRECT": "true", "SESSION_COOKIE_SECURE": "false", "CSRF_COOKIE_SECURE": "false",
            "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_SSL,on", "CSRF_TRUSTED_ORIGINS": "https://a.example,https://b.example",
        },
        "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_SSL_REDIRECT",
        "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SECURE_PROXY_SSL_HEADER", "CSRF_TRUSTED_ORIGINS",
    )

    assert loaded == {
        "SECURE_HSTS_SECONDS": 600, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True, "SECURE_HSTS_PRELOAD": True,
        "SECURE_SSL_REDIRECT": True, "SESSION_COOKIE_SECURE": False, "CSRF_COOKIE_SECURE": False,
        "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_SSL", "on"],
        "CSRF_TRUSTED_ORIGINS": ["https://a.example", "https://b.example"],
    }


@pytest.mark.parametrize(
    ("env", "engine", "cache_location"),
    [
        ({"DATABASE_URL": "", "REDIS_URL": ""}, "django.db.backends.sqlite3", None),
        ({}, "django.db.backends.sqlite3", None),
        (
            {"DATABASE_URL": "postgres://u@db.example:5432/auth", "REDIS_URL": "redis://cache.example:6379/1"},
            "django.db.backends.postgresql",
            "redis://cache.example:6379/1",
        ),
    ],
)
def test_an_empty_database_or_redis_url_means_unset(env, engine, cache_location):
    """`DATABASE_URL= make test` is the default database, not a KeyError at start-up."""
    code = (
        "import json, config.settings as s; "
        "print(json.dumps([s.DATABASES['default']['ENGINE'], getattr(s, 'CACHES', {}).get('default', {}).get('LOCATION')]))"
    )
    loaded = run_reference(["-c", code], {"SECRET_KEY": secrets.token_urlsafe(50), **env})
    assert loaded.returncode == 0, loaded.stderr
    # No CACHES in the settings: Django's per-process default.
    assert json.loads(loaded.stdout) == [engine, cache_location]


def test_without_https_variables_nothing_is_trusted_or_redirected_and_cookies_are_secure():
    loaded = settings_under(
        {}, "SECURE_HSTS_SECONDS", "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER",
        "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
    )

    assert loaded == {"SECURE_HSTS_SECONDS": 0, "SECURE_SSL_REDIRECT": False, "SECURE_PROXY_SSL_HEADER": None,
                      "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True}


@pytest.mark.parametrize("value", ["X-Forwarded-Proto: https", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_PROTO,"])
def test_a_malformed_proxy_ssl_header_stops_the_server_with_the_expected_form(value):
    loaded = run_reference(["-c", "import config.settings"],
                           {"SECRET_KEY": secrets.token_urlsafe(50), "SECURE_PROXY_SSL_HEADER": value})

    assert loaded.returncode != 0
    assert "HTTP_X_FORWARDED_PROTO,https" in loaded.stderr


@pytest.mark.django_db
def test_health_is_not_redirected_to_https_so_probes_over_http_keep_working(client):
    with override_settings(SECURE_SSL_REDIRECT=True):
        assert client.get("/health").status_code == 200
        assert client.get("/auth/me").status_code == 301


# Static files (WhiteNoise)

@pytest.mark.django_db
def test_without_debug_the_admin_css_is_served_hashed_and_cached_for_a_year(tmp_path):
    with override_settings(
        DEBUG=False, STATIC_ROOT=tmp_path, STORAGES=config.settings.STORAGES, WHITENOISE_AUTOREFRESH=False,
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
        client = Client()  # its WhiteNoise reads STATIC_ROOT as it starts, like a worker's
        page = client.get("/admin/login/")
        stylesheet = re.search(r'href="(/static/admin/css/base\.[0-9a-f]{12}\.css)"', page.content.decode())
        assert stylesheet, page.content.decode()[:2000]

        css = client.get(stylesheet[1])
        compressed = client.get(stylesheet[1], HTTP_ACCEPT_ENCODING="gzip")

    assert css.status_code == 200
    assert css["Content-Type"].startswith("text/css")
    assert "immutable" in css["Cache-Control"]
    assert int(re.search(r"max-age=(\d+)", css["Cache-Control"])[1]) >= 365 * 24 * 3600
    assert compressed["Content-Encoding"] == "gzip"


# The admin's exposure

@contextmanager
def reference_urls(**overrides: object) -> Iterator[None]:
    """config/urls.py evaluated under `overrides`, then restored."""
    try:
        with override_settings(**overrides):
            importlib.reload(config.urls)
            clear_url_caches()
            yield
    finally:
        importlib.reload(config.urls)
        clear_url_caches()


@pytest.mark.parametrize(
    ("env", "enabled"),
    [({}, False), ({"DEBUG": "true"}, True), ({"ADMIN_ENABLED": "true"}, True),
     ({"DEBUG": "true", "ADMIN_ENABLED": "false"}, False)],
)
def test_the_admin_is_on_only_with_debug_unless_admin_enabled_says_otherwise(env, enabled):
    assert settings_under(env, "ADMIN_ENABLED") == {"ADMIN_ENABLED": enabled}


def test_a_production_image_keeps_the_admin_off():
    assert production_env()["ADMIN_ENABLED"] == "false"
    assert re.search(r"^\s+ADMIN_ENABLED=false\b", (REPO_ROOT / "Dockerfile").read_text(), re.MULTILINE)


def test_the_image_collects_static_files_at_build_time_outside_the_var_volume():
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    static_root = re.search(r"^\s+STATIC_ROOT=(\S+)", dockerfile, re.MULTILINE)[1]
    collect = dockerfile.index("manage.py collectstatic --noinput")

    assert not static_root.startswith("/app/var")  # VOLUME ["/app/var"] would keep the first image's files
    assert dockerfile.index("COPY config ./config") < collect < dockerfile.index("USER authfort")


@pytest.mark.django_db
def test_with_admin_disabled_its_url_is_a_plain_json_404(client):
    with reference_urls(ADMIN_ENABLED=False):
        response = client.get("/admin/login/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.mark.django_db
def test_admin_url_moves_the_admin(client):
    with reference_urls(ADMIN_ENABLED=True, ADMIN_URL="ops-7f3a/admin/"):
        moved = client.get("/ops-7f3a/admin/login/")
        old = client.get("/admin/login/")

    assert moved.status_code == 200
    assert b'name="password"' in moved.content
    assert old.status_code == 404


@pytest.mark.parametrize("value", ["/admin/", "admin"])
def test_an_admin_url_without_the_expected_slashes_stops_the_server(value):
    loaded = run_reference(["-c", "import config.settings"],
                           {"SECRET_KEY": secrets.token_urlsafe(50), "ADMIN_URL": value})

    assert loaded.returncode != 0
    assert "ADMIN_URL" in loaded.stderr


# JSON error pages (DEBUG is off in tests, as in production)

def _json_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "code"}
    assert body["code"] == code
    return body


@pytest.mark.django_db
def test_an_unknown_path_is_a_json_404(client):
    _json_error(client.get("/no/such/page"), 404, "not_found")


@pytest.mark.django_db
def test_a_host_not_in_allowed_hosts_is_a_json_400(client):
    body = _json_error(client.get("/health", HTTP_HOST="evil.example"), 400, "bad_request")

    assert "evil.example" not in body["detail"]


def _raises(request):
    raise RuntimeError("internal detail 7f3a: must stay in the log")


def _forbidden(request):
    from django.core.exceptions import PermissionDenied

    raise PermissionDenied("internal reason 7f3a")


urlpatterns = [
    path("raises", _raises),
    path("forbidden", _forbidden),
    *config.urls.urlpatterns,
]
handler400, handler403, handler404, handler500 = (
    config.urls.handler400, config.urls.handler403, config.urls.handler404, config.urls.handler500,
)


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_view_that_raises_is_a_json_500_without_the_traceback():
    response = Client(raise_request_exception=False).get("/raises")

    body = _json_error(response, 500, "server_error")
    assert "7f3a" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert "X-Request-ID" in body["detail"]  # the header that finds the traceback in the log
    assert response["X-Request-ID"]


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_a_permission_denied_outside_the_api_is_a_json_403(client):
    response = client.get("/forbidden")

    _json_error(response, 403, "permission_denied")
    assert "7f3a" not in response.content.decode()
