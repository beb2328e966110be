"""`verifier_client.contrib.drf` / `.flask`: deprecated for one release, the same objects, a warning naming the new path."""

from __future__ import annotations

import importlib
import sys

import pytest
import verifier_client.drf
import verifier_client.flask


def fresh_import(name: str):
    """Import `name` anew, so its module-level warning is emitted again."""
    sys.modules.pop(name, None)
    return importlib.import_module(name)


@pytest.mark.parametrize(
    ("old", "new"),
    [("verifier_client.contrib.drf", verifier_client.drf), ("verifier_client.contrib.flask", verifier_client.flask)],
)
def test_the_old_path_warns_and_names_the_new_one(old, new):
    with pytest.warns(DeprecationWarning, match=rf"import from {new.__name__} instead"):
        fresh_import(old)


@pytest.mark.parametrize(
    ("old", "new"),
    [("verifier_client.contrib.drf", verifier_client.drf), ("verifier_client.contrib.flask", verifier_client.flask)],
)
def test_the_old_path_re_exports_the_same_objects(old, new):
    with pytest.warns(DeprecationWarning):
        shim = fresh_import(old)

    assert shim.__all__ == new.__all__
    for name in new.__all__:
        assert getattr(shim, name) is getattr(new, name), name


def test_the_contrib_package_alone_does_not_warn(recwarn):
    fresh_import("verifier_client.contrib")

    assert not [w for w in recwarn if issubclass(w.category, DeprecationWarning)]
