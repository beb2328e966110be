"""List users whose addresses have the same canonical form (see accounts/email_conflicts.py)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from authfort_django.accounts.email_conflicts import email_conflicts


class Command(BaseCommand):
    help = (
        "List users whose email addresses are one address once canonicalised (letter case, "
        "look-alike characters, internationalised domains). Only the listed holder can sign in "
        "by that address; change or remove the others' addresses to resolve it."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--fail", action="store_true", help="Exit with status 1 when there is any conflict (for CI)."
        )

    def handle(self, *args: Any, fail: bool = False, **options: Any) -> None:
        conflicts = email_conflicts()
        for conflict in conflicts:
            holder = f"user {conflict.holder.pk} ({conflict.holder})" if conflict.holder else "nobody"
            others = ", ".join(f"user {user.pk} ({user})" for user in conflict.others)
            self.stdout.write(f"{conflict.canonical}: held by {holder}; without it: {others}")
        if not conflicts:
            self.stdout.write("No two users share a canonical email address.")
        elif fail:
            raise CommandError(f"{len(conflicts)} canonical address(es) claimed by more than one user.")
