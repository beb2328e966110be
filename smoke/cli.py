"""`python -m smoke [BASE_URL]`: arguments from the command line, secrets from the environment.

Secrets never go on the command line, where `ps` and shell history would show them:

    INTROSPECTION_SECRET                      enables the introspection checks
    SMOKE_ADMIN_EMAIL, SMOKE_ADMIN_PASSWORD   an admin who bans the throwaway account at the end
"""

from __future__ import annotations

import argparse
import os

from smoke.suite import Smoke

DEFAULT_BASE_URL = "http://127.0.0.1:8000"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m smoke",
        description="Check a running authfort deployment over HTTP; exit status 1 on any broken promise.",
        epilog="Secrets come from the environment: INTROSPECTION_SECRET, SMOKE_ADMIN_EMAIL, SMOKE_ADMIN_PASSWORD.",
    )
    parser.add_argument(
        "base_url",
        nargs="?",
        default=os.environ.get("BASE_URL") or DEFAULT_BASE_URL,
        help=f"the deployment's root URL (default: $BASE_URL, else {DEFAULT_BASE_URL})",
    )
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request (default 10)")
    parser.add_argument(
        "--email-domain",
        default="example.com",
        help="domain of the throwaway account's address (default example.com: no mail is delivered there)",
    )
    args = parser.parse_args(argv)
    if not args.base_url.startswith(("http://", "https://")):
        parser.error(f"BASE_URL {args.base_url!r} must start with http:// or https://")
    return Smoke(
        args.base_url,
        introspection_secret=os.environ.get("INTROSPECTION_SECRET"),
        admin_email=os.environ.get("SMOKE_ADMIN_EMAIL"),
        admin_password=os.environ.get("SMOKE_ADMIN_PASSWORD"),
        email_domain=args.email_domain,
        timeout=args.timeout,
    ).run()
