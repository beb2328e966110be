"""Moved to authfort_django.observability.metrics in 0.3; this package remains for one release."""
