"""`manage.py create_client NAME --scope orders:read --audience orders`: a service client.

Prints the client_id and, unless the client signs assertions (--jwks/--jwks-uri),
its secret: once, never again (only its SHA-256 is stored). `--json` prints both as
one JSON object, for scripts.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from authfort_django.clients.registry import InvalidClientSettings, create_client

MAX_JWKS_BYTES = 64 * 1024


class Command(BaseCommand):
    help = "Create an OAuth client for service-to-service tokens (client credentials grant)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="Who the client is, e.g. 'orders service'.")
        parser.add_argument("--scope", action="append", default=[], help="A scope it may ask for (repeat).")
        parser.add_argument(
            "--audience", action="append", default=[],
            help="An audience its tokens may name (repeat); none: the server's AUTHFORT_AUDIENCE.",
        )
        parser.add_argument("--lifetime", type=int, help="Token lifetime in seconds (default ACCESS_TOKEN_TTL).")
        parser.add_argument("--jwks", type=Path, help="A JSON file with its public keys: private_key_jwt, no secret.")
        parser.add_argument("--jwks-uri", default="", help="Where its public keys are published: private_key_jwt.")
        parser.add_argument("--introspect", action="store_true", help="It may call /auth/introspect.")
        parser.add_argument(
            "--introspect-only", action="store_true", help="It may introspect but not request tokens."
        )
        parser.add_argument("--json", action="store_true", help="Print {client_id, client_secret} as JSON.")

    def handle(self, *args: Any, **options: Any) -> None:
        jwks = self._read_jwks(options["jwks"]) if options["jwks"] else None
        try:
            created = create_client(
                options["name"],
                scopes=options["scope"],
                audiences=options["audience"],
                token_ttl=options["lifetime"],
                jwks=jwks,
                jwks_uri=options["jwks_uri"],
                can_introspect=options["introspect"] or options["introspect_only"],
                can_request_tokens=not options["introspect_only"],
            )
        except InvalidClientSettings as exc:
            raise CommandError(str(exc)) from None
        client = created.client
        if options["json"]:
            self.stdout.write(json.dumps({"client_id": client.client_id, "client_secret": created.secret}))
            return
        self.stdout.write(f"client_id:     {client.client_id}")
        if created.secret is not None:
            self.stdout.write(f"client_secret: {created.secret}")
            self.stdout.write("Store the secret now: it is not shown again (rotate_client_secret makes a new one).")
        else:
            self.stdout.write("Authenticates with private_key_jwt: assertions signed by its registered keys.")
        self.stdout.write(f"scopes:        {' '.join(client.scopes) or '(none)'}")

    def _read_jwks(self, path: Path) -> dict[str, Any]:
        try:
            raw = path.read_bytes()[: MAX_JWKS_BYTES + 1]
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        if len(raw) > MAX_JWKS_BYTES:
            raise CommandError(f"{path} is larger than {MAX_JWKS_BYTES} bytes; a JWKS is a few keys.")
        try:
            jwks = json.loads(raw)
        except ValueError:
            raise CommandError(f'{path} is not JSON; it must hold a JWKS: {{"keys": [...]}}.') from None
        if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
            raise CommandError(f'{path} must hold a JWKS: {{"keys": [...]}}.')
        return jwks
