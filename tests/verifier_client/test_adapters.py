"""The framework-free parts both adapters share: Bearer parsing, CSRF comparison, the challenge."""

from __future__ import annotations

import pytest
from verifier_client.exceptions import MalformedTokenError, VerificationError

from verifier_client import _adapters


@pytest.mark.parametrize("header", ["Bearer abc.def.ghi", "bearer abc.def.ghi", "BEARER   abc.def.ghi  "])
def test_bearer_token_is_read_whatever_the_scheme_case(header):
    assert _adapters.bearer_token(header) == "abc.def.ghi"


@pytest.mark.parametrize("header", ["Basic dXNlcjpwYXNz", "Token abc", "Bearerabc", "DPoP abc"])
def test_other_schemes_are_not_ours(header):
    assert _adapters.bearer_token(header) is None


@pytest.mark.parametrize("header", ["Bearer", "Bearer   ", "Bearer a b", "Bearer a\tb", "Bearer a\u00a0b", "Bearer a\u2003b"])
def test_bearer_without_a_single_token_is_malformed(header):
    with pytest.raises(MalformedTokenError):
        _adapters.bearer_token(header)


@pytest.mark.parametrize(
    ("header", "cookie", "ok"),
    [("v", "v", True), ("v", "w", False), ("", "", False), (None, "v", False), ("v", None, False), ("é", "é", True)],
)
def test_csrf_matches_only_equal_non_empty_values(header, cookie, ok):
    assert _adapters.csrf_matches(header, cookie) is ok


@pytest.mark.parametrize(("method", "ok"), [("GET", True), ("HEAD", True), ("OPTIONS", True), ("POST", False), ("DELETE", False)])
def test_csrf_is_required_for_unsafe_methods_only(method, ok):
    assert _adapters.csrf_ok(method, None, "v") is ok
    assert _adapters.csrf_ok(method, "v", "v") is True


@pytest.mark.parametrize("names", [(), ("",), ("admin", None)])
def test_role_names_must_be_non_empty_strings(names):
    with pytest.raises(ValueError, match="role names"):
        _adapters.role_names(names, "require_roles()")


def test_challenge_without_error_has_no_error_code():
    assert _adapters.challenge("api") == 'Bearer realm="api"'


def test_challenge_quotes_only_safe_characters():
    error = VerificationError('bad "quote" \\ and\r\nnewline é')

    value = _adapters.challenge('r"e', error)

    assert value == 'Bearer realm="re", error="invalid_token", error_description="bad quote  andnewline "'
