"""`manage.py purge_expired`: delete expired sessions and their refresh tokens, mailed
account tokens a week past expiry, and the expired records of service clients (used
private_key_jwt assertions, revoked client tokens) (cron it daily)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from authfort_django.accounts import mailed_tokens
from authfort_django.federation import codes, states
from authfort_django.mfa import challenges as mfa_challenges
from authfort_django.clients import purge as client_purge
from authfort_django.sessions.purge import purge_expired


class Command(BaseCommand):
    help = (
        "Delete sessions past their absolute or idle expiry together with their refresh tokens, "
        "in batches. Live sessions, and the used refresh tokens reuse detection needs, are kept."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=1000,
            help="Sessions deleted per transaction (default 1000).",
        )

    def handle(self, *args: Any, batch_size: int, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be a positive number of sessions, e.g. --batch-size 1000.")
        result = purge_expired(batch_size=batch_size)
        self.stdout.write(
            f"Deleted {result.sessions} expired sessions and {result.refresh_tokens} refresh tokens."
        )
        tokens = mailed_tokens.purge_expired()
        self.stdout.write(f"Deleted {tokens} password-reset and email-verification tokens expired over a week ago.")
        sign_in = codes.purge_expired() + states.purge_expired()
        self.stdout.write(f"Deleted {sign_in} expired sign-in codes, links and provider sign-in states.")
        challenges = mfa_challenges.purge_expired()
        self.stdout.write(f"Deleted {challenges} expired second-factor and passkey challenges.")
        assertions, revoked = client_purge.purge_expired()
        self.stdout.write(f"Deleted {assertions} used client assertions and {revoked} revoked client tokens past expiry.")
