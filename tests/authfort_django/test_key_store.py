"""key_store: states from timestamps, what signs, what is published, and the in-process cache.

Time moves only through the fake clock the store reads; nothing sleeps.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

import jwt
import pytest

from authfort_django.conf import authfort_settings
from authfort_django.keys.crypto import (
    generate_private_key,
    public_jwk,
    serialize_private_key,
)
from authfort_django.keys.encryption import encrypt_private_key
from authfort_django.keys.rotation import ensure_key, purge_expired, revoke, rotate
from authfort_django.keys.states import key_state
from authfort_django.keys.store import (
    KeyIntegrityError,
    KeyState,
    KeyStore,
    NoSigningKey,
    key_store,
)
from authfort_django.models import AuthEvent, SigningKey
from tests.factories import SigningKeyFactory

# These tests make their own keys, starting from an empty key table.
pytestmark = pytest.mark.no_signing_key


@pytest.fixture
def store(clock, db) -> KeyStore:
    """A store on the fake clock over a first key, made as `rotate_keys --if-none` makes it."""
    store = KeyStore(clock=clock)
    ensure_key(now=store.now())
    return store


@pytest.fixture
def empty_store(clock) -> KeyStore:
    """A store over an empty key table: a new installation before `rotate_keys --if-none`."""
    return KeyStore(clock=clock)


SECOND = timedelta(seconds=1)
T0 = datetime(2030, 1, 1, tzinfo=timezone.utc)


def kids(store: KeyStore) -> set[str]:
    return {jwk["kid"] for jwk in store.jwks().keys}


def verify_with_jwks(token: str, store: KeyStore) -> dict:
    """What a consumer does: pick the published key by kid, verify, nothing else."""
    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next(k for k in store.jwks().keys if k["kid"] == kid)
    return jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=[jwk["alg"]])


def sign(store: KeyStore, claims: dict | None = None) -> str:
    active = store.signing_key()
    return jwt.encode(claims or {"sub": "u"}, active.private_key, algorithm=active.algorithm, headers={"kid": active.kid})


# States.

@pytest.mark.parametrize(
    ("activates", "retires", "expires", "revoked", "state"),
    [
        (+10, None, None, None, KeyState.PENDING),
        (0, None, None, None, KeyState.ACTIVE),
        (-10, +5, +50, None, KeyState.ACTIVE),
        (-10, 0, +50, None, KeyState.RETIRED),
        (-10, -5, 0, None, KeyState.EXPIRED),
        (+10, None, None, -1, KeyState.REVOKED),
        (-10, None, None, -1, KeyState.REVOKED),
    ],
)
def test_state_follows_from_the_timestamps(activates, retires, expires, revoked, state) -> None:
    at = lambda offset: None if offset is None else T0 + offset * SECOND  # noqa: E731
    key = SigningKey(
        kid="k", activates_at=at(activates), retires_at=at(retires), expires_at=at(expires), revoked_at=at(revoked)
    )
    assert key_state(key, T0) is state


# First key and the cached warm path.

def test_the_first_key_signs_and_its_creation_is_audited_without_key_material(db, store: KeyStore) -> None:
    active = store.signing_key()
    key = SigningKey.objects.get()
    assert (active.kid, active.algorithm) == (key.kid, "RS256")
    event = AuthEvent.objects.get(type=AuthEvent.Type.KEY_CREATED)
    assert event.detail["kid"] == key.kid and event.detail["algorithm"] == "RS256"
    assert "afk1" not in json.dumps(event.detail) and "PRIVATE" not in json.dumps(event.detail)


def test_without_a_key_signing_raises_and_nothing_is_written(db, empty_store: KeyStore) -> None:
    with pytest.raises(NoSigningKey, match="rotate_keys --if-none"):
        empty_store.signing_key()
    assert not SigningKey.objects.exists()


def test_the_jwks_of_a_new_installation_is_empty_until_a_key_is_made(db, empty_store: KeyStore) -> None:
    assert kids(empty_store) == set()
    ensure_key(now=empty_store.now())
    assert kids(empty_store) == {empty_store.signing_key().kid}


def test_a_key_made_by_another_process_signs_at_once_when_none_did(db, empty_store: KeyStore) -> None:
    """No key is cached while none signs: the first `rotate_keys --if-none` of another
    process is used by the next request, not one KEY_CACHE_TTL later."""
    with pytest.raises(NoSigningKey):
        empty_store.signing_key()
    made_elsewhere = SigningKeyFactory(activates_at=empty_store.now())  # no invalidate(): another process

    assert empty_store.signing_key().kid == made_elsewhere.kid


def test_the_jwks_and_signing_key_of_a_published_set_agree(db, store: KeyStore) -> None:
    assert kids(store) == {store.signing_key().kid}


def test_warm_signing_and_jwks_make_no_database_query(db, store: KeyStore, django_assert_num_queries) -> None:
    store.signing_key()
    store.jwks()
    with django_assert_num_queries(0):
        for _ in range(5):
            store.signing_key()
            store.jwks()


def test_the_private_key_is_decrypted_once_per_kid(db, store: KeyStore, advance) -> None:
    first = store.signing_key().private_key
    advance(authfort_settings.KEY_CACHE_TTL)  # a reload of the rows does not decrypt again
    assert store.signing_key().private_key is first


def test_invalidate_makes_the_next_call_read_the_database(db, store: KeyStore, django_assert_num_queries) -> None:
    store.jwks()
    store.invalidate()
    with django_assert_num_queries(1):
        store.jwks()


# The JWKS document.

def test_jwks_body_is_compact_json_of_the_keys_with_a_strong_etag(db, store: KeyStore) -> None:
    document = store.jwks()
    assert json.loads(document.body) == {"keys": list(document.keys)}
    assert b" " not in document.body and b"\n" not in document.body
    assert document.etag == '"' + hashlib.sha256(document.body).hexdigest()[:32] + '"'
    assert not document.etag.startswith("W/")


def test_every_process_serves_identical_bytes(db, store: KeyStore, clock) -> None:
    store.signing_key()
    rotate(now=store.now())
    store.invalidate()
    before = store.jwks()
    # Member order in the stored JSON is not ours to fix (PostgreSQL's jsonb reorders it).
    for row in SigningKey.objects.all():
        row.public_jwk = dict(reversed(list(row.public_jwk.items())))
        row.save(update_fields=["public_jwk"])
    assert KeyStore(clock=clock).jwks() == before


def test_jwks_lists_the_signing_key_first_then_pending_then_retired(db, store: KeyStore, move_to) -> None:
    first = store.signing_key().kid
    second = rotate(now=store.now()).key
    store.invalidate()
    assert [jwk["kid"] for jwk in store.jwks().keys] == [first, second.kid]
    move_to(second.activates_at)
    third = rotate(now=store.now()).key
    store.invalidate()
    # Naive clients take keys[0]: it must be the key that signs, not the newest.
    assert [jwk["kid"] for jwk in store.jwks().keys] == [second.kid, third.kid, first]


def test_jwks_holds_only_public_members_and_rsa_keys_of_2048_bits_or_more(db, empty_store: KeyStore) -> None:
    store = empty_store
    key = generate_private_key("RS256")
    jwk = public_jwk(key, "RS256")
    # A row that somehow stored private members: they must never be served.
    leaky = {**jwk, "d": "secret", "p": "secret", "q": "secret", "dp": "x", "dq": "x", "qi": "x", "k": "x"}
    SigningKey.objects.create(
        kid=jwk["kid"],
        algorithm="RS256",
        public_jwk=leaky,
        private_key=encrypt_private_key(serialize_private_key(key), jwk["kid"]),
        activates_at=store.now(),
    )
    (served,) = store.jwks().keys
    assert set(served) == {"kty", "n", "e", "kid", "use", "alg"}
    assert b'"d"' not in store.jwks().body
    modulus = int.from_bytes(jwt.utils.base64url_decode(served["n"]), "big")
    assert modulus.bit_length() >= 2048


@pytest.mark.parametrize("algorithm", ["ES256", "EdDSA"])
def test_other_algorithms_sign_and_verify_through_the_jwks(db, empty_store: KeyStore, authfort, algorithm: str) -> None:
    store = empty_store
    authfort(ALGORITHM=algorithm)
    ensure_key(now=store.now())
    assert store.signing_key().algorithm == algorithm
    assert verify_with_jwks(sign(store), store) == {"sub": "u"}


def test_a_private_key_that_does_not_match_its_kid_is_refused(db, empty_store: KeyStore) -> None:
    store = empty_store
    real, other = generate_private_key("ES256"), generate_private_key("ES256")
    jwk = public_jwk(real, "ES256")
    SigningKey.objects.create(
        kid=jwk["kid"],
        algorithm="ES256",
        public_jwk=jwk,
        private_key=encrypt_private_key(serialize_private_key(other), jwk["kid"]),
        activates_at=store.now(),
    )
    with pytest.raises(KeyIntegrityError, match=jwk["kid"]):
        store.signing_key()


# Rotation as the store sees it.

def test_a_pending_key_is_published_and_does_not_sign(db, store: KeyStore, advance) -> None:
    old = store.signing_key()
    new = rotate(now=store.now()).key
    advance(authfort_settings.KEY_CACHE_TTL)  # any process re-reads within this TTL
    assert kids(store) == {old.kid, new.kid}
    assert store.signing_key().kid == old.kid


def test_a_key_made_elsewhere_is_seen_after_key_cache_ttl_and_not_before(
    db, store: KeyStore, advance, django_assert_num_queries
) -> None:
    old = store.signing_key()
    new = rotate(now=store.now()).key  # as another process would: this store is not told
    advance(authfort_settings.KEY_CACHE_TTL - 1)
    with django_assert_num_queries(0):
        assert kids(store) == {old.kid}
    advance(1)
    assert kids(store) == {old.kid, new.kid}


def test_the_cache_reloads_exactly_at_the_next_activation(
    db, store: KeyStore, authfort, move_to, django_assert_num_queries
) -> None:
    authfort(KEY_CACHE_TTL=10**6)  # so the state change, not the TTL, ends the cache
    old = store.signing_key()
    new = rotate(now=store.now()).key
    store.invalidate()
    store.jwks()
    move_to(new.activates_at - SECOND)
    with django_assert_num_queries(0):
        assert store.signing_key().kid == old.kid
    move_to(new.activates_at)
    with django_assert_num_queries(1):
        assert store.signing_key().kid == new.kid
    assert verify_with_jwks(sign(store), store) == {"sub": "u"}


def test_retired_key_verifies_until_it_expires_then_vanishes_and_is_purged(db, store: KeyStore, move_to) -> None:
    old = store.signing_key()
    new = rotate(now=store.now()).key
    move_to(new.activates_at - SECOND)
    store.invalidate()
    last_old_token = sign(store)
    retired = SigningKey.objects.get(kid=old.kid)
    assert retired.retires_at == new.activates_at

    move_to(retired.expires_at - SECOND)
    assert key_state(retired, store.now()) is KeyState.RETIRED
    assert store.signing_key().kid == new.kid
    assert verify_with_jwks(last_old_token, store) == {"sub": "u"}

    move_to(retired.expires_at)
    assert old.kid not in kids(store)
    assert purge_expired(now=store.now()).changed
    assert not SigningKey.objects.filter(kid=old.kid).exists()  # private material gone with the row
    assert kids(store) == {new.kid}


def test_revoking_unpublishes_at_once_in_this_process(db) -> None:
    ensure_key()
    active = key_store.signing_key()
    pending = rotate().key
    assert pending.kid in {k["kid"] for k in key_store.jwks().keys}
    revoke(pending.kid)
    assert {k["kid"] for k in key_store.jwks().keys} == {active.kid}
    revoke(active.kid)
    replacement = key_store.signing_key()
    assert replacement.kid != active.kid
    assert {k["kid"] for k in key_store.jwks().keys} == {replacement.kid}
    assert SigningKey.objects.get(kid=active.kid).private_key == ""


def test_when_every_key_was_revoked_nothing_signs_until_a_key_is_made(db, store: KeyStore) -> None:
    first = ensure_key(now=store.now()).key
    SigningKey.objects.filter(pk=first.pk).update(revoked_at=store.now())
    store.invalidate()
    with pytest.raises(NoSigningKey):
        store.signing_key()
    assert SigningKey.objects.count() == 1
    assert ensure_key(now=store.now()).key.kid != first.kid
    assert store.signing_key().kid != first.kid

