"""The adapters' settings (VERIFIER_CLIENT / VERIFIER_CLIENT_*): what is refused, what is built."""

from __future__ import annotations

import pytest

from verifier_client import _settings


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
