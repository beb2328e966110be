"""Accounts: the use cases views and commands call, one module per flow.

    registration.py        register (signed in at once, or after verifying the address)
    login.py               sign in with a password; stay signed in with a refresh token
    passwords.py           change a password; replace it (change and reset), ending every session
    password_reset.py      request a reset link, confirm it with a new password
    email_verification.py  request a verification link, confirm the address
    delivery.py            the same work for known and unknown addresses; signals and mail
    mailed_tokens.py       single-use selector.verifier tokens, stored as hashes
    mails.py               links (from FRONTEND_URL only) and templated mails
    roles.py               list, create, grant and revoke roles
    moderation.py          ban and unban
    errors.py              what these flows refuse, each with a code
"""
