"""`manage.py rotate_keys`: the signing-key lifecycle from cron or by hand.

A thin layer over authfort_django.keys.rotation; the rules live there.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from authfort_django.conf import SUPPORTED_ALGORITHMS, authfort_settings
from authfort_django.keys.crypto import UnsupportedAlgorithm
from authfort_django.keys.encryption import KeyDecryptionError
from authfort_django.keys.importing import MAX_PEM_BYTES, KeyImportError, read_private_key
from authfort_django.keys.rotation import (
    KeyRotationError,
    Outcome,
    ensure_key,
    import_key,
    key_statuses,
    purge_expired,
    reencrypt_all,
    revoke,
    rotate,
)
from authfort_django.mfa.totp import reencrypt_secrets

_DURATION = re.compile(r"^\s*(\d+)\s*([smhd])\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
# Options that do one thing on their own and combine with nothing else.
_EXCLUSIVE = ("status", "revoke", "reencrypt")
_OPTION_NAMES = {
    "status": "--status",
    "revoke": "--revoke",
    "reencrypt": "--reencrypt",
    "if_none": "--if-none",
    "if_older_than": "--if-older-than",
    "now": "--now",
    "algorithm": "--algorithm",
    "import_file": "--import",
    "passphrase_file": "--passphrase-file",
}
# A passphrase file holds one line; openssl's `-passout file:` reads the first line too.
_MAX_PASSPHRASE_BYTES = 1024


def parse_duration(text: str) -> timedelta:
    """`30d`, `12h`, `90m`, `45s` as a timedelta; CommandError for anything else."""
    match = _DURATION.match(text)
    if not match or int(match.group(1)) == 0:
        raise CommandError(
            f"--if-older-than: {text!r} is not a duration. Give a positive number with a unit "
            f"s, m, h or d, e.g. --if-older-than 30d."
        )
    return timedelta(seconds=int(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def _join_revoke_value(argv: list[str]) -> list[str]:
    """`--revoke KID` as `--revoke=KID`: a kid is base64url and may begin with "-",
    which argparse would otherwise read as an option and refuse."""
    joined: list[str] = []
    values = iter(argv)
    for value in values:
        if value == "--revoke":
            kid = next(values, None)
            joined.append("--revoke" if kid is None else f"--revoke={kid}")
        else:
            joined.append(value)
    return joined


class Command(BaseCommand):
    help = (
        "Rotate the token-signing keys: create the next key (published PUBLISH_AHEAD seconds "
        "before it signs) and purge expired ones. Safe to run from cron on several hosts at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--if-none", action="store_true", help="Only make sure a key signs (first start); otherwise do nothing."
        )
        parser.add_argument(
            "--if-older-than",
            metavar="AGE",
            help="Rotate only if the active key has signed longer than AGE (e.g. 30d; units s, m, h, d).",
        )
        parser.add_argument(
            "--now",
            action="store_true",
            help="The new key (or the pending one) signs immediately instead of after PUBLISH_AHEAD.",
        )
        parser.add_argument(
            "--revoke",
            metavar="KID",
            help="Emergency: unpublish KID at once and destroy its private key. "
            "From code, pass --revoke=KID (a kid may begin with '-').",
        )
        parser.add_argument("--status", action="store_true", help="List the keys and their states; change nothing.")
        parser.add_argument(
            "--algorithm",
            metavar="ALG",
            help=f"Algorithm of the new key: {', '.join(SUPPORTED_ALGORITHMS)} (default: AUTHFORT ALGORITHM).",
        )
        parser.add_argument(
            "--import",
            dest="import_file",
            metavar="PEM_FILE",
            help="Bring your own key: import a PEM private key (RSA >= 2048 bits -> RS256, EC P-256 -> ES256, "
            "Ed25519 -> EdDSA) as the next key, scheduled like a generated one (with --now: signs at once).",
        )
        parser.add_argument(
            "--passphrase-file",
            metavar="FILE",
            help="With --import: the file whose first line is the passphrase of an encrypted PEM.",
        )
        parser.add_argument(
            "--reencrypt",
            action="store_true",
            help="Re-encrypt every private key and every TOTP secret with the first KEY_ENCRYPTION_KEYS entry "
            "(then the other entries can be dropped).",
        )

    def run_from_argv(self, argv: list[str]) -> None:
        super().run_from_argv(_join_revoke_value(argv))

    def handle(self, *args: Any, **options: Any) -> None:
        self._check_combination(options)
        algorithm = options["algorithm"]
        if algorithm is not None and algorithm not in SUPPORTED_ALGORITHMS:
            raise CommandError(
                f"--algorithm {algorithm!r} is not supported; use one of {', '.join(SUPPORTED_ALGORITHMS)}."
            )
        min_age = parse_duration(options["if_older_than"]) if options["if_older_than"] is not None else None
        try:
            if options["status"]:
                self._status()
            elif options["revoke"] is not None:
                self._report(revoke(options["revoke"]))
                self.stdout.write(
                    f"Other server processes stop publishing and using it within "
                    f"KEY_CACHE_TTL ({authfort_settings.KEY_CACHE_TTL} s)."
                )
            elif options["reencrypt"]:
                self._reencrypt()
            elif options["import_file"] is not None:
                self._import(options["import_file"], options["passphrase_file"], immediately=options["now"])
                self._report(purge_expired())
            elif options["if_none"]:
                self._report(ensure_key(algorithm=algorithm))
                self._report(purge_expired())
            else:
                self._report(rotate(algorithm=algorithm, immediately=options["now"], min_age=min_age))
                self._report(purge_expired())
        except (KeyRotationError, UnsupportedAlgorithm, KeyDecryptionError) as error:
            raise CommandError(str(error)) from error

    def _reencrypt(self) -> None:
        # One transaction: a secret that cannot be decrypted leaves keys and secrets as they were.
        with transaction.atomic():
            self._report(reencrypt_all())
            moved = reencrypt_secrets()
        self.stdout.write(
            f"Re-encrypted {moved} TOTP secret(s) with the first KEY_ENCRYPTION_KEYS entry."
            if moved
            else "Every TOTP secret is already encrypted with the first KEY_ENCRYPTION_KEYS entry."
        )

    def _check_combination(self, options: dict[str, Any]) -> None:
        given = [name for name in _OPTION_NAMES if options.get(name) not in (None, False)]
        for name in _EXCLUSIVE:
            others = [other for other in given if other != name]
            if name in given and others:
                raise CommandError(
                    f"{_OPTION_NAMES[name]} cannot be combined with "
                    f"{', '.join(_OPTION_NAMES[o] for o in others)}; run it on its own."
                )
        if "if_none" in given and ("if_older_than" in given or "now" in given):
            raise CommandError(
                "--if-none only makes sure a key signs and cannot be combined with --if-older-than "
                "or --now; use --if-none at first start and --if-older-than from cron."
            )
        if "import_file" in given:
            others = [o for o in ("if_none", "if_older_than", "algorithm") if o in given]
            if others:
                raise CommandError(
                    f"--import cannot be combined with {', '.join(_OPTION_NAMES[o] for o in others)}: "
                    f"the key's type decides its algorithm, and an import always schedules it (--now: at once)."
                )
        elif "passphrase_file" in given:
            raise CommandError("--passphrase-file goes with --import PEM_FILE.")

    def _import(self, pem_path: str, passphrase_path: str | None, *, immediately: bool) -> None:
        pem = _read_file("--import", pem_path, MAX_PEM_BYTES)
        passphrase = None
        if passphrase_path is not None:
            lines = _read_file("--passphrase-file", passphrase_path, _MAX_PASSPHRASE_BYTES).splitlines()
            passphrase = lines[0] if lines else b""
            if not passphrase:
                raise CommandError(f"--passphrase-file: {passphrase_path} is empty; its first line must be the passphrase.")
        try:
            private_key, algorithm = read_private_key(pem, passphrase)
        except KeyImportError as error:
            # Name the file: the module only sees bytes.
            raise CommandError(f"--import {pem_path}: {error}") from None
        self._report(import_key(private_key, algorithm, immediately=immediately))

    def _report(self, outcome: Outcome) -> None:
        for message in outcome.messages:
            self.stdout.write(message)

    def _status(self) -> None:
        rows = [
            (
                key.kid,
                key.algorithm,
                state.value,
                _when(key.activates_at),
                _when(key.retires_at),
                _when(key.expires_at),
                _when(key.revoked_at),
            )
            for key, state in key_statuses()
        ]
        if not rows:
            self.stdout.write("No signing keys. `rotate_keys --if-none` creates the first one.")
            return
        header = ("KID", "ALG", "STATE", "ACTIVATES", "RETIRES", "EXPIRES", "REVOKED")
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            self.stdout.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())


def _read_file(option: str, path: str, limit: int) -> bytes:
    """At most `limit` + 1 bytes of `path` (so an oversized file is seen as such); CommandError if unreadable."""
    try:
        with Path(path).open("rb") as file:
            data = file.read(limit + 1)
    except OSError as error:
        raise CommandError(f"{option}: cannot read {path}: {error.strerror or error}.") from None
    if len(data) > limit:
        raise CommandError(f"{option}: {path} is larger than {limit} bytes; give the file that holds only the key.")
    return data


def _when(moment: Any) -> str:
    return moment.isoformat(timespec="seconds") if moment else "-"
