"""A minimal DRF consumer project: views protected by verifier_client.drf, for `@pytest.mark.urls`."""
