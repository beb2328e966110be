"""A view that logs every secret it touches, to prove the log filter blanks them."""

import logging

from django.http import JsonResponse
from django.urls import include, path

from authfort_django import sessions
from authfort_django.key_store import key_store
from authfort_django.keys import serialize_private_key
from authfort_django.models import User

logger = logging.getLogger("authfort.careless")


def careless(request):
    logger.info("body %s", request.body.decode())
    logger.info("headers %s", dict(request.headers))
    logger.info("key %s", serialize_private_key(key_store.signing_key().private_key).decode())
    grant = sessions.start_session(User.objects.first(), request)
    logger.info("issued %s with secret %s", grant.refresh_token, "test-introspection-secret-0123456789")
    return JsonResponse({"new_refresh_token": grant.refresh_token})


urlpatterns = [path("careless", careless), path("", include("authfort_django.urls"))]
