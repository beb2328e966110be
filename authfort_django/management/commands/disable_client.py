"""`manage.py disable_client CLIENT_ID`: no more tokens for it, and the ones it holds turn
inactive at introspection (consumers that verify locally accept them until `exp`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from authfort_django.clients.registry import disable_client, find_client


class Command(BaseCommand):
    help = "Disable a client: it gets no more tokens and its tokens turn inactive at introspection."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("client_id")

    def handle(self, *args: Any, **options: Any) -> None:
        client = find_client(options["client_id"])
        if client is None:
            raise CommandError(f"No client has the id {options['client_id']!r}.")
        if disable_client(client):
            self.stdout.write(f"Disabled {client}.")
        else:
            self.stdout.write(f"{client} was already disabled.")
