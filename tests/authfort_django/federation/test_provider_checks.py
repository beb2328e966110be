"""System checks for federated sign-in settings: E015, E016, W008."""

from __future__ import annotations

import pytest

from authfort_django.checks import check_providers


def ids(settings, **authfort) -> list[str]:
    settings.AUTHFORT = {**settings.AUTHFORT, **authfort}
    return [message.id for message in check_providers()]


def test_no_providers_no_messages(settings):
    assert ids(settings, PROVIDERS={}, REDIRECT_ALLOWLIST=[]) == []


def test_a_complete_provider_with_an_allow_list_passes(settings):
    assert ids(
        settings,
        PROVIDERS={"corp": {"ISSUER": "https://id.example.com", "CLIENT_ID": "authfort"}},
        REDIRECT_ALLOWLIST=["https://app.example.com/signed-in"],
    ) == []


@pytest.mark.parametrize(
    "entry",
    [
        {"ISSUER": "https://id.example.com"},  # no client id
        {"CLIENT_ID": "authfort"},  # no issuer, no preset
        {"PRESET": "microsoft", "CLIENT_ID": "authfort"},  # no tenant
        "https://id.example.com",  # not a dict
    ],
)
def test_an_incomplete_provider_is_e015(settings, entry):
    found = ids(settings, PROVIDERS={"corp": entry}, REDIRECT_ALLOWLIST=["https://app.example.com/"])
    assert found == ["authfort.E015"]


def test_providers_that_are_not_a_dict_are_e015(settings):
    assert ids(settings, PROVIDERS=["corp"], REDIRECT_ALLOWLIST=[]) == ["authfort.E015"]


@pytest.mark.parametrize(
    "entry", ["/signed-in", "app.example.com", "javascript:alert(1)", "https://user:pw@app.example.com/", ""]
)
def test_an_allow_list_entry_that_is_no_absolute_url_is_e016(settings, entry):
    assert ids(settings, PROVIDERS={}, REDIRECT_ALLOWLIST=[entry]) == ["authfort.E016"]


def test_providers_without_an_allow_list_warn_w008(settings):
    found = ids(
        settings, PROVIDERS={"corp": {"ISSUER": "https://id.example.com", "CLIENT_ID": "authfort"}}, REDIRECT_ALLOWLIST=[]
    )
    assert found == ["authfort.W008"]
