"""The public API is exactly what `__all__` says, sorted and complete."""

import inspect

import verifier_client
from verifier_client import exceptions


def test_all_is_sorted():
    assert verifier_client.__all__ == sorted(verifier_client.__all__)


def test_all_names_every_public_member():
    public = {
        name
        for name, value in vars(verifier_client).items()
        if not name.startswith("_") and not inspect.ismodule(value) and name != "annotations"
    }
    assert public | {"__version__"} == set(verifier_client.__all__)


def test_every_exported_name_resolves():
    for name in verifier_client.__all__:
        assert getattr(verifier_client, name) is not None


def test_every_exception_class_is_exported():
    for name in exceptions.__all__:
        assert name in verifier_client.__all__


def test_contract_names_are_exported():
    required = {
        "Claims", "IntrospectionClient", "IntrospectionResult", "JWKSClient", "StaticKeySet",
        "TokenVerifier", "VerificationError", "__version__",
    }
    assert required <= set(verifier_client.__all__)
    assert "TokenUser" not in verifier_client.__all__
