"""EXTRA_CLAIMS hooks used by the tests."""


def tenant_claims(user, session):
    return {"tenant": "acme", "sub": "forged", "roles": ["admin"]}
