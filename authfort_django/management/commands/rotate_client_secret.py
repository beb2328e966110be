"""`manage.py rotate_client_secret CLIENT_ID [--grace 86400]`: a new secret, printed once.

The current secrets keep working for `--grace` seconds (a day by default), so the
service can be redeployed with the new one first; `--grace 0` ends them now.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from authfort_django.clients.registry import DEFAULT_ROTATION_GRACE, InvalidClientSettings, find_client, rotate_secret


class Command(BaseCommand):
    help = "Give a client a new secret; its current secrets end after --grace seconds."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("client_id")
        parser.add_argument(
            "--grace", type=int, default=DEFAULT_ROTATION_GRACE,
            help="Seconds the current secrets keep working (0: end them now, for a leaked secret).",
        )
        parser.add_argument("--json", action="store_true", help="Print {client_id, client_secret} as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        client = find_client(options["client_id"])
        if client is None:
            raise CommandError(f"No client has the id {options['client_id']!r}.")
        try:
            secret = rotate_secret(client, grace=options["grace"])
        except InvalidClientSettings as exc:
            raise CommandError(str(exc)) from None
        if options["json"]:
            self.stdout.write(json.dumps({"client_id": client.client_id, "client_secret": secret}))
            return
        self.stdout.write(f"client_secret: {secret}")
        self.stdout.write(
            f"Store it now: it is not shown again. The previous secrets end in {options['grace']} seconds."
        )
