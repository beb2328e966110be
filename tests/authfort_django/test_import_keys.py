"""`rotate_keys --import`: keys made by the real openssl sign tokens that verify from the JWKS;
every file that is not an acceptable private key is refused without change or key material."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from io import StringIO
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
    load_pem_public_key,
)
from django.core.management import CommandError, call_command
from django.utils import timezone

from authfort_django.conf import authfort_settings
from authfort_django.keys.crypto import jwk_thumbprint, public_jwk
from authfort_django.keys.encryption import decrypt_private_key
from authfort_django.keys.rotation import ensure_key
from authfort_django.keys.states import key_state
from authfort_django.keys.store import KeyState
from authfort_django.models import AuthEvent, SigningKey
from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.no_signing_key

ROOT = Path(__file__).resolve().parents[2]
PASSPHRASE = "correct horse battery staple"


def openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def pems(tmp_path_factory) -> dict[str, Path]:
    """One PEM per case, each made by the openssl command an operator would run."""
    where = tmp_path_factory.mktemp("pems")
    openssl("genrsa", "-out", "rsa2048.pem", "2048", cwd=where)
    openssl("genrsa", "-traditional", "-out", "rsa2048-pkcs1.pem", "2048", cwd=where)
    openssl("genrsa", "-out", "rsa1024.pem", "1024", cwd=where)
    openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-pkeyopt", "rsa_keygen_pubexp:3",
            "-out", "rsa-e3.pem", cwd=where)
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-out", "p256.pem", cwd=where)
    openssl("ecparam", "-name", "secp384r1", "-genkey", "-noout", "-out", "p384.pem", cwd=where)
    openssl("genpkey", "-algorithm", "ed25519", "-out", "ed25519.pem", cwd=where)
    openssl("genpkey", "-algorithm", "ed448", "-out", "ed448.pem", cwd=where)
    openssl("pkey", "-in", "rsa2048.pem", "-pubout", "-out", "public.pem", cwd=where)
    openssl(
        "req", "-new", "-x509", "-key", "rsa2048.pem", "-subj", "/CN=auth.example.com", "-days", "1",
        "-out", "cert.pem", cwd=where,
    )
    (where / "passphrase.txt").write_text(PASSPHRASE + "\n")
    (where / "wrong-passphrase.txt").write_text("not the passphrase\n")
    openssl(
        "pkcs8", "-topk8", "-in", "rsa2048.pem", "-passout", "file:passphrase.txt", "-out", "encrypted.pem",
        cwd=where,
    )
    (where / "garbage.pem").write_bytes(os.urandom(600))
    (where / "two-keys.pem").write_bytes((where / "rsa2048.pem").read_bytes() + (where / "ed25519.pem").read_bytes())
    pem = (where / "rsa2048.pem").read_text()
    (where / "truncated.pem").write_text(pem[:300] + pem[-30:])
    (where / "inconsistent.pem").write_bytes(_inconsistent_rsa_pem(where / "rsa2048.pem"))
    return {path.stem: path for path in where.iterdir()}


def _inconsistent_rsa_pem(source: Path) -> bytes:
    """A well-formed PKCS#8 RSA key whose private exponent does not match its primes:
    only OpenSSL's consistency check (which the key store skips for keys it checked on
    the way in) tells it from a good one."""
    good = load_pem_private_key(source.read_bytes(), password=None).private_numbers()
    bad = rsa.RSAPrivateNumbers(
        p=good.p, q=good.q, d=good.d + 2, dmp1=good.dmp1, dmq1=good.dmq1, iqmp=good.iqmp,
        public_numbers=good.public_numbers,
    ).private_key(unsafe_skip_rsa_key_validation=True)
    return bad.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())


def run(*args: str) -> str:
    out = StringIO()
    call_command("rotate_keys", *args, stdout=out)
    return out.getvalue()


def key_material_in(text: str, pem: Path) -> bool:
    """Whether any base64 line of the PEM file `pem` shows in `text`."""
    lines = pem.read_bytes().decode("latin-1").splitlines()
    return any(line in text for line in lines if len(line) >= 16 and not line.startswith("-----"))


def rows() -> list[tuple]:
    return list(SigningKey.objects.order_by("kid").values_list())


def issue_and_verify(client) -> tuple[dict, dict]:
    """Register (the normal issuing path), then verify the access token with PyJWT from the
    served JWKS: the token's header and claims."""
    response = client.post(
        "/auth/register", {"email": "byok@example.com", "password": DEFAULT_PASSWORD}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    token = response.json()["access_token"]
    jwks = json.loads(client.get("/.well-known/jwks.json").content)
    kid = jwt.get_unverified_header(token)["kid"]
    jwk = next(entry for entry in jwks["keys"] if entry["kid"] == kid)
    claims = jwt.decode(
        token, jwt.PyJWK(jwk), algorithms=[jwk["alg"]],
        audience=authfort_settings.AUDIENCE, issuer=authfort_settings.ISSUER,
    )
    return jwt.get_unverified_header(token), claims


# Imported keys sign, and consumers verify them.

@pytest.mark.parametrize(
    ("pem", "algorithm", "kty"),
    [("rsa2048", "RS256", "RSA"), ("rsa2048-pkcs1", "RS256", "RSA"), ("p256", "ES256", "EC"), ("ed25519", "EdDSA", "OKP")],
)
def test_an_imported_key_signs_tokens_that_verify_from_the_jwks(db, client, pems, pem, algorithm, kty) -> None:
    output = run("--import", str(pems[pem]))
    key = SigningKey.objects.get()
    assert f"Imported key {key.kid} ({algorithm}), active now." in output
    assert (key.algorithm, key.public_jwk["kty"]) == (algorithm, kty)
    header, claims = issue_and_verify(client)
    assert (header["kid"], header["alg"]) == (key.kid, algorithm)
    assert claims["sub"]


def test_the_kid_is_rfc7638_thumbprint_of_the_public_key_openssl_derives(db, pems) -> None:
    run("--import", str(pems["rsa2048"]))
    key = SigningKey.objects.get()
    from_openssl = public_jwk(load_pem_public_key(pems["public"].read_bytes()), "RS256")
    assert key.kid == from_openssl["kid"] == jwk_thumbprint(key.public_jwk)


def test_the_imported_private_key_is_stored_encrypted(db, pems) -> None:
    run("--import", str(pems["rsa2048"]))
    key = SigningKey.objects.get()
    assert key.private_key.startswith("afk1:")
    assert "PRIVATE" not in key.private_key
    assert b"PRIVATE KEY" in decrypt_private_key(key.private_key, key.kid)


def test_an_import_is_scheduled_like_a_generated_key_and_now_makes_it_sign_at_once(db, pems) -> None:
    active = ensure_key().key
    output = run("--import", str(pems["p256"]))
    imported = SigningKey.objects.exclude(kid=active.kid).get()
    assert "published now, signs from" in output and f"Key {active.kid} retires at" in output
    assert key_state(imported, timezone.now()) is KeyState.PENDING
    assert SigningKey.objects.get(kid=active.kid).retires_at == imported.activates_at

    imported.delete()
    SigningKey.objects.filter(kid=active.kid).update(retires_at=None, expires_at=None)
    output = run("--import", str(pems["p256"]), "--now")
    imported = SigningKey.objects.exclude(kid=active.kid).get()
    assert "active now" in output
    assert key_state(imported, timezone.now()) is KeyState.ACTIVE
    assert key_state(SigningKey.objects.get(kid=active.kid), timezone.now()) is KeyState.RETIRED


def test_an_encrypted_pem_imports_with_its_passphrase_file(db, client, pems) -> None:
    run("--import", str(pems["encrypted"]), "--passphrase-file", str(pems["passphrase"]))
    key = SigningKey.objects.get()
    assert issue_and_verify(client)[0]["kid"] == key.kid


def test_an_import_is_audited_as_a_key_creation_without_key_material(db, pems, caplog) -> None:
    caplog.set_level("INFO", logger="authfort.audit")
    run("--import", str(pems["ed25519"]))
    key = SigningKey.objects.get()
    event = AuthEvent.objects.get(type=AuthEvent.Type.KEY_CREATED)
    assert event.detail == {
        "kid": key.kid, "algorithm": "EdDSA", "activates_at": event.detail["activates_at"], "origin": "imported",
    }
    line = next(r.getMessage() for r in caplog.records if r.name == "authfort.audit")
    assert line.startswith("key_created ") and f"kid={key.kid}" in line and "origin=imported" in line
    assert "PRIVATE" not in line and "afk1" not in line


# Refusals: a CommandError that says what is wrong, no change, no key material.

@pytest.mark.parametrize(
    ("pem", "extra", "message"),
    [
        ("rsa1024", [], "The RSA key has 1024 bits, too weak to sign: at least 2048"),
        ("rsa-e3", [], "The RSA key's public exponent is not 65537"),
        ("two-keys", [], "The file holds 2 private keys; put the one to import in a file of its own"),
        ("public", [], "holds a public key; importing needs the private key"),
        ("cert", [], "holds a certificate, not a private key"),
        ("encrypted", [], "is encrypted; give its passphrase with --passphrase-file FILE"),
        ("encrypted", ["--passphrase-file", "wrong-passphrase"], "The passphrase does not decrypt the private key"),
        ("rsa2048", ["--passphrase-file", "passphrase"], "is not encrypted; drop --passphrase-file"),
        ("garbage", [], "is not a PEM private key"),
        ("truncated", [], "The private-key block cannot be read: it is corrupt"),
        ("inconsistent", [], "The private-key block cannot be read: it is corrupt"),
        ("p384", [], "curve secp384r1; only P-256"),
        ("ed448", [], "Ed448 private key cannot sign here. Supported: RSA >= 2048 bits (RS256)"),
    ],
)
def test_an_unacceptable_file_is_refused_without_change(db, pems, pem, extra, message) -> None:
    active = ensure_key().key
    before = rows()
    args = [a if not a.endswith("passphrase") else str(pems[a]) for a in extra]
    with pytest.raises(CommandError, match=re.escape(message)) as refused:
        run("--import", str(pems[pem]), *args)
    assert rows() == before
    assert str(refused.value).startswith(f"--import {pems[pem]}: ")
    assert not key_material_in(str(refused.value), pems[pem]) and PASSPHRASE not in str(refused.value)
    assert SigningKey.objects.get().kid == active.kid


def test_a_missing_file_is_refused(db, tmp_path) -> None:
    with pytest.raises(CommandError, match=re.escape(f"--import: cannot read {tmp_path}/nope.pem: No such file")):
        run("--import", str(tmp_path / "nope.pem"))
    assert not SigningKey.objects.exists()


def test_a_key_already_in_the_store_is_refused_even_when_revoked(db, pems) -> None:
    run("--import", str(pems["rsa2048"]))
    kid = SigningKey.objects.get().kid
    with pytest.raises(CommandError, match=re.escape(f"Key {kid} (RS256) is already in the store (active)")):
        run("--import", str(pems["rsa2048"]))
    run(f"--revoke={kid}")
    with pytest.raises(CommandError, match=re.escape(f"Key {kid} (RS256) is already in the store (revoked)")):
        run("--import", str(pems["rsa2048"]), "--now")


def test_an_import_while_a_key_is_pending_is_refused(db, pems) -> None:
    ensure_key()
    run()  # a generated key is now pending
    before = rows()
    with pytest.raises(CommandError, match="is already pending; an imported key cannot be scheduled too"):
        run("--import", str(pems["ed25519"]))
    assert rows() == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--import", "k.pem", "--algorithm", "ES256"], "--import cannot be combined with --algorithm"),
        (["--import", "k.pem", "--if-none"], "--import cannot be combined with --if-none"),
        (["--import", "k.pem", "--if-older-than", "30d"], "--import cannot be combined with --if-older-than"),
        (["--import", "k.pem", "--status"], "--status cannot be combined with --import"),
        (["--passphrase-file", "p.txt"], "--passphrase-file goes with --import PEM_FILE"),
    ],
)
def test_import_options_that_do_not_combine_are_refused(db, args, message) -> None:
    with pytest.raises(CommandError, match=re.escape(message)):
        run(*args)
    assert not SigningKey.objects.exists()


def test_a_refused_import_exits_non_zero_without_a_traceback_or_key_material(pems) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"}
    result = subprocess.run(
        [sys.executable, "manage.py", "rotate_keys", "--import", str(pems["rsa1024"])],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=120,
    )
    assert result.returncode == 1
    assert "CommandError: --import" in result.stderr and "too weak" in result.stderr
    assert "Traceback" not in result.stderr
    assert not key_material_in(result.stderr + result.stdout, pems["rsa1024"])
