"""WSGI entry point: `gunicorn orders_service.wsgi` from examples/orders_service/."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "orders_service.settings")

application = get_wsgi_application()
