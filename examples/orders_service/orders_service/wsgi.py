"""WSGI entry point: `gunicorn orders_service.wsgi --preload` from examples/orders_service/."""

import os

from django.core.wsgi import get_wsgi_application
from verifier_client.drf import get_verifier

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orders_service.settings")

application = get_wsgi_application()

# Fetch the signing keys now rather than on the first request: that request does
# not wait, and with `gunicorn --preload` every worker is forked with the keys
# already cached, so each one rides out an auth-server outage for as long as
# AUTH_JWKS_MAX_STALE allows. A failure here is logged and retried on first use;
# it never stops the service.
get_verifier().prefetch_keys()
