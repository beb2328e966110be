"""`manage.py rotate_keys`: each option, every refusal, and concurrent runs on PostgreSQL."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from datetime import timedelta
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connections
from django.utils import timezone

from authfort_django.conf import authfort_settings
from authfort_django.keys.encryption import key_fingerprint
from authfort_django.keys.rotation import ensure_key, retention, rotate
from authfort_django.keys.states import key_state
from authfort_django.keys.store import KeyState, KeyStore
from authfort_django.models import AuthEvent, SigningKey

# These tests make their own keys, starting from an empty key table.
pytestmark = pytest.mark.no_signing_key


OLD_KEK = "old-key-encryption-secret-0123456789abcdef"
NEW_KEK = "new-key-encryption-secret-0123456789abcdef"
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> str:
    out = StringIO()
    call_command("rotate_keys", *args, stdout=out)
    return out.getvalue()


def state_of(kid: str) -> KeyState:
    return key_state(SigningKey.objects.get(kid=kid), timezone.now())


def rows() -> list[tuple]:
    return list(SigningKey.objects.order_by("kid").values_list())


@pytest.fixture
def active(db) -> SigningKey:
    return ensure_key().key


# Plain runs: rotate, then purge.

def test_a_plain_run_without_keys_creates_one_that_signs_now(db) -> None:
    output = run()
    key = SigningKey.objects.get()
    assert f"Created key {key.kid} (RS256), active now." in output
    assert state_of(key.kid) is KeyState.ACTIVE


def test_a_plain_run_publishes_the_next_key_ahead_and_schedules_the_hand_over(active: SigningKey) -> None:
    before = timezone.now()
    output = run()
    new = SigningKey.objects.exclude(kid=active.kid).get()
    old = SigningKey.objects.get(kid=active.kid)
    ahead = timedelta(seconds=authfort_settings.PUBLISH_AHEAD)
    assert before + ahead <= new.activates_at <= timezone.now() + ahead
    assert state_of(new.kid) is KeyState.PENDING
    assert old.retires_at == new.activates_at
    hold = authfort_settings.ACCESS_TOKEN_TTL + authfort_settings.LEEWAY + authfort_settings.JWKS_MAX_AGE
    assert old.expires_at - old.retires_at == retention() >= timedelta(seconds=hold)
    assert f"Created key {new.kid} (RS256), published now, signs from" in output
    assert f"Key {active.kid} retires at" in output


def test_a_second_run_while_a_key_is_pending_changes_nothing_and_says_so(active: SigningKey) -> None:
    run()
    before = rows()
    output = run()
    assert rows() == before
    assert "is already pending" in output and "nothing to do" in output


def test_now_activates_the_pending_key(active: SigningKey) -> None:
    run()
    pending = SigningKey.objects.exclude(kid=active.kid).get()
    output = run("--now")
    assert f"Activated pending key {pending.kid}" in output
    assert state_of(pending.kid) is KeyState.ACTIVE
    assert state_of(active.kid) is KeyState.RETIRED
    assert SigningKey.objects.count() == 2


def test_now_without_a_pending_key_creates_one_that_signs_at_once(active: SigningKey) -> None:
    run("--now")
    new = SigningKey.objects.exclude(kid=active.kid).get()
    assert state_of(new.kid) is KeyState.ACTIVE
    assert state_of(active.kid) is KeyState.RETIRED
    assert KeyStore().signing_key().kid == new.kid


def test_a_run_activates_the_pending_key_when_no_key_signs(active: SigningKey) -> None:
    run()
    pending = SigningKey.objects.exclude(kid=active.kid).get()
    SigningKey.objects.filter(kid=active.kid).update(revoked_at=timezone.now())  # behind our back
    assert f"Activated pending key {pending.kid}" in run()
    assert state_of(pending.kid) is KeyState.ACTIVE


def test_a_plain_run_purges_expired_keys(active: SigningKey) -> None:
    run("--now")
    SigningKey.objects.filter(kid=active.kid).update(expires_at=timezone.now() - timedelta(seconds=1))
    output = run()
    assert f"Purged key {active.kid} and its private key." in output
    assert not SigningKey.objects.filter(kid=active.kid).exists()


def test_revoked_keys_are_listed_until_their_tokens_would_have_expired_then_purged(active: SigningKey) -> None:
    run(f"--revoke={active.kid}")
    run()
    assert SigningKey.objects.filter(kid=active.kid).exists()  # still shown by --status
    SigningKey.objects.filter(kid=active.kid).update(revoked_at=timezone.now() - retention())
    assert f"Purged key {active.kid}" in run()
    assert not SigningKey.objects.filter(kid=active.kid).exists()


# --if-none, --if-older-than, --algorithm.

def test_if_none_creates_the_first_key_and_then_does_nothing(db) -> None:
    run("--if-none")
    key = SigningKey.objects.get()
    assert state_of(key.kid) is KeyState.ACTIVE
    output = run("--if-none")
    assert SigningKey.objects.count() == 1
    assert f"Key {key.kid} (RS256) is active; nothing to do." in output


def test_if_none_activates_the_pending_key_rather_than_making_another(active: SigningKey) -> None:
    run()
    pending = SigningKey.objects.exclude(kid=active.kid).get()
    SigningKey.objects.filter(kid=active.kid).update(revoked_at=timezone.now())  # behind our back
    output = run("--if-none")
    assert f"Activated pending key {pending.kid}" in output
    assert state_of(pending.kid) is KeyState.ACTIVE
    assert SigningKey.objects.count() == 2


def test_if_older_than_leaves_a_young_key_alone(active: SigningKey) -> None:
    before = rows()
    output = run("--if-older-than", "30d")
    assert rows() == before
    assert "less than 30d; nothing to do" in output


def test_if_older_than_rotates_an_old_key(active: SigningKey) -> None:
    SigningKey.objects.filter(pk=active.pk).update(activates_at=timezone.now() - timedelta(days=31))
    run("--if-older-than", "30d")
    assert SigningKey.objects.count() == 2
    new = SigningKey.objects.exclude(kid=active.kid).get()
    assert state_of(new.kid) is KeyState.PENDING


@pytest.mark.parametrize(("text", "days_old", "rotates"), [("12h", 1, True), ("90m", 0, False), ("3600s", 1, True)])
def test_if_older_than_accepts_each_unit(active: SigningKey, text: str, days_old: int, rotates: bool) -> None:
    SigningKey.objects.filter(pk=active.pk).update(activates_at=timezone.now() - timedelta(days=days_old))
    run("--if-older-than", text)
    assert (SigningKey.objects.count() == 2) is rotates


@pytest.mark.parametrize("algorithm", ["ES256", "EdDSA"])
def test_algorithm_chooses_the_new_keys_algorithm(active: SigningKey, algorithm: str) -> None:
    run("--algorithm", algorithm)
    assert SigningKey.objects.exclude(kid=active.kid).get().algorithm == algorithm


def test_another_algorithm_while_a_key_is_pending_is_refused(active: SigningKey) -> None:
    run()
    before = rows()
    with pytest.raises(CommandError, match="already pending.*--revoke"):
        run("--algorithm", "ES256")
    assert rows() == before


# --revoke.

def test_revoking_the_active_key_activates_the_pending_one(active: SigningKey) -> None:
    run()
    pending = SigningKey.objects.exclude(kid=active.kid).get()
    output = run(f"--revoke={active.kid}")
    assert f"Revoked key {active.kid} (active)" in output
    assert f"Activated pending key {pending.kid}" in output
    assert state_of(pending.kid) is KeyState.ACTIVE
    revoked = SigningKey.objects.get(kid=active.kid)
    assert revoked.private_key == "" and revoked.revoked_at is not None


def test_revoking_the_only_key_creates_a_new_one_that_signs(active: SigningKey) -> None:
    output = run(f"--revoke={active.kid}")
    new = SigningKey.objects.exclude(kid=active.kid).get()
    assert f"Created key {new.kid} (RS256), active now, so the server can sign." in output
    assert KeyStore().signing_key().kid == new.kid
    assert active.kid not in {k["kid"] for k in KeyStore().jwks().keys}


def test_revoking_the_pending_key_keeps_the_active_one_signing(active: SigningKey) -> None:
    run()
    pending = SigningKey.objects.exclude(kid=active.kid).get()
    output = run(f"--revoke={pending.kid}")
    assert f"Key {active.kid} keeps signing" in output
    current = SigningKey.objects.get(kid=active.kid)
    assert (current.retires_at, current.expires_at) == (None, None)
    assert {k["kid"] for k in KeyStore().jwks().keys} == {active.kid}


def test_revoking_records_an_audit_event_without_key_material(active: SigningKey) -> None:
    run(f"--revoke={active.kid}")
    event = AuthEvent.objects.get(type=AuthEvent.Type.KEY_REVOKED)
    assert event.detail == {"kid": active.kid, "algorithm": "RS256", "state": "active"}


def test_revoking_twice_says_so_and_changes_nothing(active: SigningKey) -> None:
    run(f"--revoke={active.kid}")
    before = rows()
    assert "already revoked" in run(f"--revoke={active.kid}")
    assert rows() == before


# --status and --reencrypt.

def test_status_lists_keys_and_states_without_secrets(active: SigningKey) -> None:
    run()
    output = run("--status")
    lines = output.splitlines()
    assert lines[0].split() == ["KID", "ALG", "STATE", "ACTIVATES", "RETIRES", "EXPIRES", "REVOKED"]
    assert any(active.kid in line and " active " in line for line in lines)
    assert any(" pending " in line for line in lines)
    for key in SigningKey.objects.all():
        assert key.private_key.split(":")[-1] not in output
    assert "afk1" not in output and "PRIVATE" not in output


def test_status_without_keys_says_how_to_make_one(db) -> None:
    assert "--if-none" in run("--status")


def test_reencrypt_moves_every_key_to_the_first_kek(db, authfort) -> None:
    authfort(KEY_ENCRYPTION_KEYS=[OLD_KEK])
    first = ensure_key().key
    rotate()
    authfort(KEY_ENCRYPTION_KEYS=[NEW_KEK, OLD_KEK])
    output = run("--reencrypt")
    assert output.count("Re-encrypted the private key of") == 2
    assert all(k.private_key.split(":")[1] == key_fingerprint(NEW_KEK) for k in SigningKey.objects.all())
    authfort(KEY_ENCRYPTION_KEYS=[NEW_KEK])  # the old secret can go now
    assert KeyStore().signing_key().kid == first.kid
    assert "already encrypted" in run("--reencrypt")


def test_reencrypt_without_the_old_kek_is_refused_with_no_change(db, authfort) -> None:
    authfort(KEY_ENCRYPTION_KEYS=[OLD_KEK])
    key = ensure_key().key
    authfort(KEY_ENCRYPTION_KEYS=[NEW_KEK])
    before = rows()
    with pytest.raises(CommandError, match=f"kid {key.kid} cannot be decrypted"):
        run("--reencrypt")
    assert rows() == before


# Refusals: a CommandError that says what to do, and no change.

@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--revoke", "KID", "--now"], "--revoke cannot be combined with --now"),
        (["--revoke", "KID", "--algorithm", "ES256"], "--revoke cannot be combined with --algorithm"),
        (["--status", "--now"], "--status cannot be combined with --now"),
        (["--reencrypt", "--if-none"], "--reencrypt cannot be combined with --if-none"),
        (["--if-none", "--if-older-than", "30d"], "--if-none only makes sure a key signs"),
        (["--if-none", "--now"], "--if-none only makes sure a key signs"),
        (["--if-older-than", "30"], "not a duration"),
        (["--if-older-than", "0d"], "not a duration"),
        (["--if-older-than", "3w"], "not a duration"),
        (["--if-older-than=-1d"], "not a duration"),
        (["--algorithm", "HS256"], "not supported; use one of RS256, ES256, EdDSA"),
        (["--algorithm", "none", "--now"], "not supported"),
        (["--revoke", "no-such-kid"], "No signing key has kid 'no-such-kid'; `rotate_keys --status`"),
    ],
)
def test_conflicting_or_bad_options_are_refused_without_change(active: SigningKey, args, message) -> None:
    before = rows()
    with pytest.raises(CommandError, match=re.escape(message)):
        run(*args)
    assert rows() == before


def test_an_unsupported_configured_algorithm_is_refused(active: SigningKey, authfort) -> None:
    authfort(ALGORITHM="HS256")
    before = rows()
    with pytest.raises(CommandError, match="Unsupported signing algorithm 'HS256'"):
        run()
    assert rows() == before


def test_a_refusal_exits_non_zero_from_the_command_line() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run(
        [sys.executable, "manage.py", "rotate_keys", "--revoke", "KID", "--now"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 1
    assert "CommandError: --revoke cannot be combined with --now" in result.stderr


# Several hosts at once (real row locks and separate connections: PostgreSQL).

def _in_parallel(count: int, *args: str) -> list[str]:
    barrier = threading.Barrier(count, timeout=60)
    outputs: list[str] = []
    errors: list[BaseException] = []

    def host() -> None:
        try:
            barrier.wait()
            outputs.append(run(*args))
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=host) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not errors, errors
    return outputs


@pytest.mark.row_locks
def test_concurrent_runs_create_exactly_one_key(transactional_db) -> None:
    first = ensure_key().key
    outputs = _in_parallel(4)
    assert SigningKey.objects.count() == 2
    assert sum("Created key" in output for output in outputs) == 1
    assert sum("is already pending" in output for output in outputs) == 3
    assert state_of(first.kid) is KeyState.ACTIVE


@pytest.mark.row_locks
def test_concurrent_first_starts_create_exactly_one_key(transactional_db) -> None:
    outputs = _in_parallel(4, "--if-none")
    assert SigningKey.objects.count() == 1
    assert sum("Created key" in output for output in outputs) == 1


def test_a_kid_beginning_with_a_dash_is_accepted_after_revoke_on_the_command_line() -> None:
    from authfort_django.management.commands.rotate_keys import (
        Command,
        _join_revoke_value,
    )

    argv = _join_revoke_value(["manage.py", "rotate_keys", "--revoke", "-Xy_kid"])
    options = Command().create_parser("manage.py", "rotate_keys").parse_args(argv[2:])

    assert argv == ["manage.py", "rotate_keys", "--revoke=-Xy_kid"]
    assert options.revoke == "-Xy_kid"
