"""verifier_client.checks: `manage.py check` judges VERIFIER_CLIENT as the DRF adapter does."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from verifier_client.checks import check_settings

from tests.helpers.live_server import REPO_ROOT
from tests.helpers.tokens import AUDIENCE, ISSUER
from verifier_client import _settings

VALID = {"JWKS_URL": "https://auth.example.test/.well-known/jwks.json", "ISSUER": ISSUER, "AUDIENCE": AUDIENCE}


@pytest.fixture
def run_checks(settings):
    """`run_checks(value)`: the check messages for VERIFIER_CLIENT = value, as (id, message, hint)."""

    def _run(value):
        settings.VERIFIER_CLIENT = value
        return [(m.id, m.msg, m.hint) for m in check_settings(None)]

    return _run


def ids(messages) -> list[str]:
    return [message_id for message_id, _, _ in messages]


def test_a_complete_setting_passes(run_checks):
    assert run_checks(VALID) == []


def test_audience_none_is_the_explicit_opt_out_not_a_missing_key(run_checks):
    assert run_checks({**VALID, "AUDIENCE": None}) == []


def test_a_setting_that_is_not_a_dict_is_e001(run_checks):
    assert ids(run_checks(["JWKS_URL"])) == ["verifier_client.E001"]


def test_unknown_key_names_the_closest_valid_one(run_checks):
    [(message_id, message, hint)] = run_checks({**VALID, "LEWAY": 5})

    assert message_id == "verifier_client.E002"
    assert "VERIFIER_CLIENT['LEWAY']" in message
    assert hint == "Did you mean 'LEEWAY'?"


def test_unknown_key_with_nothing_close_lists_the_valid_keys(run_checks):
    [(_, _, hint)] = run_checks({**VALID, "XYZZY": 1})

    assert hint.startswith("Valid keys: ") and "JWKS_URL" in hint


@pytest.mark.parametrize("key", ["JWKS_URL", "ISSUER", "AUDIENCE"])
def test_each_required_key_is_e003_with_what_to_set(run_checks, key):
    [(message_id, message, hint)] = run_checks({k: v for k, v in VALID.items() if k != key})

    assert message_id == "verifier_client.E003"
    assert f"VERIFIER_CLIENT[{key!r}] is required" in message
    assert hint


def test_static_keys_stand_in_for_jwks_url(run_checks):
    assert run_checks({"JWKS": {"keys": []}, "ISSUER": ISSUER, "AUDIENCE": AUDIENCE}) == []


def test_no_setting_at_all_reports_the_three_required_keys(settings):
    del settings.VERIFIER_CLIENT

    assert ids([(m.id, m.msg, m.hint) for m in check_settings(None)]) == ["verifier_client.E003"] * 3


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("LEEWAY", 3600, "at most 60"),
        ("LEEWAY", -1, "at least 0"),
        ("LEEWAY", True, "a number of seconds"),
        ("CACHE_TTL", 0, "above 0"),
        ("MAX_STALE", "3600", "a number of seconds"),
        ("MIN_CACHE_TTL", 7200, "at most 3600"),
        ("ALGORITHMS", ["HS256"], "a non-empty list drawn from"),
        ("ALGORITHMS", [], "a non-empty list drawn from"),
        ("REQUIRED_CLAIMS", "exp", "a list of claim names"),
        ("ISSUER", 42, "a non-empty string"),
        ("AUDIENCE", "", "or None to accept any audience"),
        ("AUDIENCE", ["orders", 7], "or None to accept any audience"),
        ("ALLOW_INSECURE_HTTP", "true", "True or False"),
        ("VERIFIED_CACHE_SIZE", 1.5, "a whole number"),
        ("JWKS_URL", 443, "a URL string"),
    ],
)
def test_bad_types_and_values_are_e004_saying_what_is_expected(run_checks, key, value, expected):
    messages = run_checks({**VALID, key: value})

    assert "verifier_client.E004" in ids(messages), messages
    message = next(m for i, m, _ in messages if i == "verifier_client.E004")
    assert f"VERIFIER_CLIENT[{key!r}]" in message and expected in message


@pytest.mark.parametrize(
    "url", ["http://auth.example.test/jwks.json", "ftp://auth.example.test/jwks.json", "auth.example.test/jwks.json"]
)
def test_jwks_url_must_be_https_except_loopback(run_checks, url):
    [(message_id, message, hint)] = run_checks({**VALID, "JWKS_URL": url})

    assert message_id == "verifier_client.E005"
    assert "https://" in message and "loopback" in hint


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "[::1]:8000", "localhost:8000"])
def test_plain_http_to_loopback_passes(run_checks, host):
    assert run_checks({**VALID, "JWKS_URL": f"http://{host}/.well-known/jwks.json"}) == []


def test_introspection_url_is_held_to_the_same_rule(run_checks):
    messages = run_checks({**VALID, "INTROSPECTION_URL": "http://auth.example.test/introspect",
                           "INTROSPECTION_SECRET": "s"})

    assert ids(messages) == ["verifier_client.E005"]
    assert "INTROSPECTION_URL" in messages[0][1]


def test_allow_insecure_http_turns_the_error_into_a_warning(run_checks):
    messages = run_checks({**VALID, "JWKS_URL": "http://auth:8000/.well-known/jwks.json", "ALLOW_INSECURE_HTTP": True})

    assert ids(messages) == ["verifier_client.W001"]


def test_two_key_sources_contradict(run_checks):
    assert ids(run_checks({**VALID, "JWKS": {"keys": []}})) == ["verifier_client.E006"]


def test_introspection_url_needs_its_secret(run_checks):
    messages = run_checks({**VALID, "INTROSPECTION_URL": "https://auth.example.test/introspect"})

    assert ids(messages) == ["verifier_client.E006"]
    assert "INTROSPECTION_SECRET" in messages[0][2]


def test_cache_options_beside_static_keys_are_a_warning(run_checks):
    messages = run_checks({"JWKS": {"keys": []}, "ISSUER": ISSUER, "AUDIENCE": AUDIENCE, "CACHE_TTL": 60})

    assert ids(messages) == ["verifier_client.W002"]


INTROSPECTION = {"INTROSPECTION_URL": "https://auth.example.test/introspect", "INTROSPECTION_SECRET": "s"}


@pytest.mark.parametrize("seconds", [0, 2, 60])
def test_an_introspection_cache_up_to_a_minute_is_an_explicit_opt_in(run_checks, seconds):
    assert run_checks({**VALID, **INTROSPECTION, "INTROSPECTION_CACHE_TTL": seconds}) == []


@pytest.mark.parametrize("seconds", [61, 3600, -1, "10", True])
def test_an_introspection_cache_past_a_minute_or_not_a_number_is_e004(run_checks, seconds):
    [(message_id, message, _)] = run_checks({**VALID, **INTROSPECTION, "INTROSPECTION_CACHE_TTL": seconds})

    assert message_id == "verifier_client.E004"
    assert "INTROSPECTION_CACHE_TTL" in message and "at most 60" in message
    assert "default 0: every check asks" in message


def test_introspection_options_without_its_url_are_a_warning(run_checks):
    messages = run_checks({**VALID, "INTROSPECTION_CACHE_TTL": 5, "INTROSPECTION_TIMEOUT": 2})

    assert ids(messages) == ["verifier_client.W003"]
    assert "INTROSPECTION_URL" in messages[0][1]


def test_an_on_event_path_that_does_not_import_is_e007(run_checks):
    assert ids(run_checks({**VALID, "ON_EVENT": "no.such.module.hook"})) == ["verifier_client.E007"]


def test_every_problem_is_reported_at_once(run_checks):
    messages = run_checks({"JWKS_URL": "http://auth.example.test/jwks", "AUDIENCES": "orders", "LEEWAY": 3600})

    assert sorted(set(ids(messages))) == [
        "verifier_client.E002", "verifier_client.E003", "verifier_client.E004", "verifier_client.E005",
    ]


def test_checks_of_other_apps_are_left_alone(run_checks, settings):
    from django.apps import apps

    settings.VERIFIER_CLIENT = {}
    others = [config for config in apps.get_app_configs() if config.label != "verifier_client"][:1]

    assert check_settings(others) == []


def test_every_known_key_has_a_rule():
    assert set(_settings._RULES) == _settings.KNOWN_KEYS


def test_the_adapters_refuse_what_the_checks_refuse():
    values = {"JWKS_URL": "http://auth.example.test/jwks", "ISSUER": ISSUER, "AUDIENCE": AUDIENCE, "LEEWAY": 90}

    with pytest.raises(_settings.ConfigError) as refused:
        _settings.parse_settings(values, "VERIFIER_CLIENT")

    assert "[E004]" in str(refused.value) and "[E005]" in str(refused.value)


# -- `manage.py check` in a real Django process -------------------------------------------
def manage_check(value: object) -> subprocess.CompletedProcess[str]:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DJANGO_SETTINGS_MODULE": "tests.verifier_client.checks_project.settings",
        "VERIFIER_CLIENT_JSON": json.dumps(value),
    }
    return subprocess.run(
        [sys.executable, "-m", "django", "check"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120,
    )


def test_manage_py_check_passes_a_good_setting():
    result = manage_check(VALID)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_manage_py_check_fails_with_the_ids_and_hints():
    result = manage_check({"JWKS_URL": "http://auth.example.test/jwks.json", "ISSUER": ISSUER, "AUDIENCS": "orders"})

    assert result.returncode != 0
    assert "verifier_client.E002" in result.stderr and "HINT: Did you mean 'AUDIENCE'?" in result.stderr
    assert "verifier_client.E003" in result.stderr and "AUDIENCE" in result.stderr
    assert "verifier_client.E005" in result.stderr
