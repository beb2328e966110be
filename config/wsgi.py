import os

from django.core.wsgi import get_wsgi_application

from authfort_django.observability.tracing import configure_tracing

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
configure_tracing()  # only with OTEL_EXPORTER_OTLP_ENDPOINT set; before the middleware is loaded
application = get_wsgi_application()
