"""The adapters' settings (VERIFIER_CLIENT / VERIFIER_CLIENT_*): what is refused, what is built."""

from __future__ import annotations

import pytest

from verifier_client import JWKSClient, _settings


def test_settings_need_issuer_audience_and_keys():
    for values, missing in [
        ({"AUDIENCE": "a", "JWKS_URL": "https://x"}, "ISSUER"),
        ({"ISSUER": "i", "JWKS_URL": "https://x"}, "AUDIENCE"),
        ({"ISSUER": "i", "AUDIENCE": "a"}, "JWKS_URL"),
        ({"ISSUER": "i", "AUDIENCE": "a", "JWKS_URL": "https://x", "INTROSPECTION_URL": "https://y"}, "INTROSPECTION_SECRET"),
    ]:
        with pytest.raises(_settings.ConfigError, match=missing):
            _settings.parse_settings(values, "VERIFIER_CLIENT")


def test_settings_keep_the_secret_out_of_repr():
    conf = _settings.parse_settings(
        {"ISSUER": "i", "AUDIENCE": "a", "JWKS_URL": "https://x", "INTROSPECTION_URL": "https://y",
         "INTROSPECTION_SECRET": "s3cret-value"},
        "VERIFIER_CLIENT",
    )

    assert "s3cret-value" not in repr(conf)


def test_jwks_url_builds_a_jwks_client_with_every_cache_key_and_the_event_hook():
    def hook(event):
        pass

    conf = _settings.parse_settings(
        {"JWKS_URL": "https://auth.example.test/jwks.json", "ISSUER": "i", "AUDIENCE": "a", "ON_EVENT": hook,
         "CACHE_TTL": 120, "MIN_CACHE_TTL": 0, "MAX_STALE": 30, "MIN_REFETCH_INTERVAL": 2, "TIMEOUT": 3,
         "ALGORITHMS": ["RS256", "ES256"]},
        "VERIFIER_CLIENT",
    )

    verifier = _settings.build_verifier(conf, "VERIFIER_CLIENT")

    client = verifier.key_set
    assert isinstance(client, JWKSClient)
    assert (client.cache_ttl, client.min_cache_ttl, client.max_stale, client.min_refetch_interval, client.timeout) == (
        120, 0, 30, 2, 3,
    )
    assert client.algorithms == {"RS256", "ES256"}
    assert client.on_event is hook and verifier.on_event is hook


def test_a_blanked_out_key_counts_as_unset():
    conf = _settings.parse_settings(
        {"JWKS": None, "JWKS_URL": "https://auth.example.test/jwks.json", "ISSUER": "i", "AUDIENCE": "a"},
        "VERIFIER_CLIENT",
    )

    assert isinstance(_settings.build_verifier(conf, "VERIFIER_CLIENT").key_set, JWKSClient)


def test_flask_style_names_are_spelled_as_config_keys():
    with pytest.raises(_settings.ConfigError, match=r"VERIFIER_CLIENT_LEEWAY \(the clock-skew leeway\) is 90"):
        _settings.parse_settings({"JWKS_URL": "https://x.test/j", "ISSUER": "i", "AUDIENCE": "a", "LEEWAY": 90},
                                 "VERIFIER_CLIENT_")
