"""System checks: each misconfiguration gets its stable id and a hint; a sound one gets nothing."""

from __future__ import annotations

import pytest
from django.core.checks import Error, Warning, run_checks

from authfort_django import checks

GOOD_SECRET = "k" * 32


@pytest.fixture(autouse=True)
def sound(authfort, settings):
    """Start each test from a production-like configuration that passes every check."""
    settings.DEBUG = False
    authfort(
        ISSUER="https://auth.example.com",
        KEY_ENCRYPTION_KEYS=[GOOD_SECRET],
        INTROSPECTION_SECRETS=[GOOD_SECRET],
    )


def authfort_ids(*, deploy: bool = True) -> list[str]:
    """The authfort check ids `manage.py check` (deploy=False) or `check --deploy` reports."""
    found = run_checks(include_deployment_checks=deploy)
    return sorted(m.id for m in found if m.id and m.id.startswith("authfort."))


def only(check_id: str):
    (message,) = [m for m in run_checks(include_deployment_checks=True) if m.id == check_id]
    assert message.hint, f"{check_id} has no hint"
    return message


def test_a_sound_configuration_passes_every_check() -> None:
    assert authfort_ids() == []


@pytest.mark.parametrize("algorithm", ["HS256", "none", "RS512", ""])
def test_e001_unsupported_algorithm(authfort, algorithm: str) -> None:
    authfort(ALGORITHM=algorithm)
    assert isinstance(only("authfort.E001"), Error)


@pytest.mark.parametrize("size", [1024, 2047, "2048"])
def test_e002_rsa_key_size_below_2048(authfort, size) -> None:
    authfort(RSA_KEY_SIZE=size)
    assert isinstance(only("authfort.E002"), Error)


@pytest.mark.parametrize("name", ["ACCESS_TOKEN_TTL", "JWKS_MAX_AGE", "PUBLISH_AHEAD"])
@pytest.mark.parametrize("value", [0, -5, "900", 1.5, None, True])
def test_e003_lifetimes_must_be_positive_integers(authfort, name: str, value) -> None:
    authfort(**{name: value})
    message = only("authfort.E003")
    assert name in message.msg


def test_w001_publish_ahead_shorter_than_the_caches(authfort) -> None:
    authfort(PUBLISH_AHEAD=300, JWKS_MAX_AGE=300, KEY_CACHE_TTL=30)
    message = only("authfort.W001")
    assert isinstance(message, Warning)
    assert "330" in message.hint


def test_w001_not_raised_when_publish_ahead_covers_both_caches(authfort) -> None:
    authfort(PUBLISH_AHEAD=330, JWKS_MAX_AGE=300, KEY_CACHE_TTL=30)
    assert authfort_ids() == []


def test_w002_no_explicit_key_encryption_keys_with_debug_off(authfort) -> None:
    authfort(KEY_ENCRYPTION_KEYS=[])
    assert isinstance(only("authfort.W002"), Warning)


def test_production_warnings_are_deploy_checks_whatever_debug_says(authfort, settings) -> None:
    authfort(KEY_ENCRYPTION_KEYS=[], ISSUER="http://127.0.0.1:8000")
    for debug in (True, False):
        settings.DEBUG = debug
        assert authfort_ids(deploy=False) == []
        assert authfort_ids(deploy=True) == ["authfort.W002", "authfort.W003"]


def test_e004_short_key_encryption_key_never_echoed(authfort) -> None:
    authfort(KEY_ENCRYPTION_KEYS=[GOOD_SECRET, "short-secret"])
    message = only("authfort.E004")
    assert "entry 1" in message.msg
    assert "short-secret" not in message.msg + message.hint


def test_w003_issuer_not_https_with_debug_off(authfort) -> None:
    authfort(ISSUER="http://auth.example.com")
    assert isinstance(only("authfort.W003"), Warning)


def test_e005_short_introspection_secret_never_echoed(authfort) -> None:
    authfort(INTROSPECTION_SECRETS=["tiny"])
    message = only("authfort.E005")
    assert "tiny" not in message.msg + message.hint


def test_w004_leeway_over_60_seconds(authfort) -> None:
    authfort(LEEWAY=3600)
    assert isinstance(only("authfort.W004"), Warning)


@pytest.mark.parametrize("path", ["no.such.module.hook", "authfort_django.checks.no_such_name", "nodots", "authfort_django.checks.MAX_LEEWAY"])
def test_e006_extra_claims_not_importable(authfort, path: str) -> None:
    authfort(EXTRA_CLAIMS=path)
    assert path in only("authfort.E006").msg


def test_e006_not_raised_for_an_importable_hook(authfort) -> None:
    authfort(EXTRA_CLAIMS="tests.authfort_django.test_checks.example_hook")
    assert authfort_ids() == []


@pytest.mark.parametrize("cookie", [{"SAMESITE": "lax"}, {"SAMESITE": "Sometimes"}, {"SAMESITE": None}, {"SAMESITE": "None", "SECURE": False}])
def test_e007_bad_samesite(authfort, cookie: dict) -> None:
    authfort(COOKIE=cookie)
    assert isinstance(only("authfort.E007"), Error)


def test_e007_not_raised_for_samesite_none_with_secure(authfort) -> None:
    authfort(COOKIE={"SAMESITE": "None", "SECURE": True})
    assert authfort_ids() == []


def test_every_check_is_registered_with_django() -> None:
    from django.core.checks.registry import registry

    registered = registry.get_checks()
    for check in (
        checks.check_setting_names,
        checks.check_signing,
        checks.check_lifetimes,
        checks.check_secrets,
        checks.check_hooks_and_cookies,
        checks.check_recovery,
        checks.check_metrics_access,
    ):
        assert check in registered
    deploy_only = registry.get_checks(include_deployment_checks=True)
    for check in (checks.check_key_encryption_deploy, checks.check_issuer_deploy, checks.check_mail_delivery_deploy):
        assert check in deploy_only and check not in registered


def example_hook(user, session):  # an importable EXTRA_CLAIMS target
    return {}


# Account recovery.


@pytest.mark.parametrize("send", [True, False])
def test_w006_console_mail_outside_debug(settings, authfort, send) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    authfort(FRONTEND_URL="https://app.example.com", SEND_ACCOUNT_EMAILS=send)

    if send:
        message = only("authfort.W006")
        assert isinstance(message, Warning)
        assert "EMAIL_URL" in message.hint
    else:
        assert "authfort.W006" not in authfort_ids()


def test_w006_is_a_deploy_check_and_quiet_with_a_real_backend(settings, authfort) -> None:
    authfort(FRONTEND_URL="https://app.example.com")
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    assert "authfort.W006" not in authfort_ids(deploy=False)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert "authfort.W006" not in authfort_ids()


def test_e009_verified_email_required_without_frontend_url(authfort) -> None:
    authfort(FRONTEND_URL=None, REQUIRE_VERIFIED_EMAIL=True)
    message = only("authfort.E009")
    assert isinstance(message, Error)
    assert "authfort.W005" not in authfort_ids()


def test_w005_no_frontend_url(authfort) -> None:
    authfort(FRONTEND_URL=None)
    message = only("authfort.W005")
    assert isinstance(message, Warning)
    assert "AUTHFORT_FRONTEND_URL" in message.hint


@pytest.mark.parametrize(
    "values",
    [
        {"PASSWORD_RESET_PATH": "/reset"},
        {"FRONTEND_URL": "app.example.com"},
    ],
    ids=["path-without-token", "frontend-not-a-url"],
)
def test_e008_recovery_settings(authfort, values) -> None:
    authfort(**values)
    assert isinstance(only("authfort.E008"), Error)


@pytest.mark.parametrize("values", [{"PASSWORD_RESET_TTL": 0}, {"EMAIL_VERIFICATION_TTL": "3600"}])
def test_e003_recovery_lifetimes(authfort, values) -> None:
    authfort(**values)
    assert isinstance(only("authfort.E003"), Error)


# Names: a misspelt key must not be ignored in silence.


def test_e010_a_misspelt_key_names_the_closest_valid_one(settings) -> None:
    settings.AUTHFORT = {**settings.AUTHFORT, "ACCES_TOKEN_TTL": 60}
    message = only("authfort.E010")
    assert isinstance(message, Error)
    assert "'ACCES_TOKEN_TTL'" in message.msg
    assert "'ACCESS_TOKEN_TTL'" in message.hint


def test_e010_a_key_like_no_other_lists_the_valid_ones(settings) -> None:
    settings.AUTHFORT = {**settings.AUTHFORT, "ZZZ": 1}
    assert "ISSUER" in only("authfort.E010").hint


def test_e010_authfort_must_be_a_dict(settings) -> None:
    settings.AUTHFORT = ["ISSUER"]
    assert "not a dict" in only("authfort.E010").msg


@pytest.mark.parametrize(("name", "key", "closest"), [("COOKIE", "SECURED", "SECURE"), ("THROTTLE_RATES", "logins", "login")])
def test_e011_unknown_keys_inside_cookie_and_throttle_rates(settings, name: str, key: str, closest: str) -> None:
    settings.AUTHFORT = {**settings.AUTHFORT, name: {key: "x"}}
    message = only("authfort.E011")
    assert repr(key) in message.msg and repr(closest) in message.hint
