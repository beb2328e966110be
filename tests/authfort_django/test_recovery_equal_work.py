"""A reset or verification request does the same work whether or not an account uses the address.

The answer was always the same 202; its time was not: a known address stored a token
and an unknown one did not (about 2 ms apart, every time). Both now run the same
transaction with the same statements on the same tables (an unknown address's UPDATE
and INSERT match no row) and render the mail; bench/reset_timing.py measures the time.
"""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from authfort_django.models import AccountToken, AuthEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ENDPOINTS = ["/auth/password-reset", "/auth/verify-email/request"]


def statement_shapes(queries) -> list[str]:
    """Each statement as its kind and the table it works on: `INSERT authfort_django_authevent`."""
    shapes = []
    for query in queries:
        words = query["sql"].replace('"', "").replace("`", "").split()
        verb = words[0].upper()
        if verb == "SELECT":
            table = words[words.index("FROM") + 1]
        elif verb == "INSERT":
            table = words[2]
        elif verb == "UPDATE":
            table = words[1]
        else:  # SAVEPOINT, RELEASE, BEGIN, COMMIT: the transaction's shape
            table = words[1] if verb == "RELEASE" else ""
        shapes.append(f"{verb} {table}".strip())
    return shapes


def post(api_client, path, email):
    with CaptureQueriesContext(connection) as queries:
        response = api_client.post(path, {"email": email}, format="json", REMOTE_ADDR="192.0.2.1")
    assert response.status_code == 202
    return response, statement_shapes(queries.captured_queries)


@pytest.mark.parametrize("path", ENDPOINTS)
def test_known_and_unknown_addresses_run_the_same_statements(api_client, path):
    UserFactory(email="known@example.com")
    post(api_client, path, "warm@example.com")  # first-request work (sessions, content types) falls on neither

    known, known_work = post(api_client, path, "known@example.com")
    unknown, unknown_work = post(api_client, path, "unknown@example.com")

    assert known.json() == unknown.json()
    assert known_work == unknown_work
    # The work is real: one transaction that updates and inserts into the token table and audits.
    writes = [s for s in known_work if s.startswith(("INSERT", "UPDATE"))]
    token_table, audit_table = AccountToken._meta.db_table, AuthEvent._meta.db_table
    assert writes == [f"UPDATE {token_table}", f"INSERT {token_table}", f"INSERT {audit_table}"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_the_unknown_address_still_stores_no_token_and_sends_no_mail(api_client, path):
    post(api_client, path, "unknown@example.com")

    assert AccountToken.objects.count() == 0
    assert mail.outbox == []
    event = AuthEvent.objects.get(user=None)
    assert event.detail == {"account": "none"}


@pytest.mark.parametrize("send_mails", [True, False])
def test_the_known_address_renders_its_mail_whether_or_not_it_is_sent(api_client, settings, send_mails):
    """With SEND_ACCOUNT_EMAILS off the unknown address still renders a mail; so does the known one."""
    from authfort_django.accounts import mails

    settings.AUTHFORT = {**settings.AUTHFORT, "SEND_ACCOUNT_EMAILS": send_mails}
    UserFactory(email="known@example.com")
    rendered = []
    original = mails.render

    def counting_render(*args, **kwargs):
        rendered.append(args[0])
        return original(*args, **kwargs)

    mails.render = counting_render
    try:
        post(api_client, "/auth/password-reset", "known@example.com")
        post(api_client, "/auth/password-reset", "unknown@example.com")
    finally:
        mails.render = original

    assert rendered == [mails.PASSWORD_RESET, mails.PASSWORD_RESET]
    assert len(mail.outbox) == (1 if send_mails else 0)
    assert AccountToken.objects.count() == 1
