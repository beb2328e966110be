"""A view that logs every secret it touches, to prove the log filter blanks them."""

import json
import logging

from django.http import JsonResponse
from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView

from authfort_django.api.authentication import AccessTokenAuthentication
from authfort_django.api.client import request_context
from authfort_django.keys.crypto import serialize_private_key
from authfort_django.keys.store import key_store
from authfort_django.models import User
from authfort_django.sessions import lifecycle

logger = logging.getLogger("authfort.careless")


def careless(request):
    logger.info("body %s", request.body.decode())
    # Bare values, no key name beside them: only the request's noted secrets can blank these.
    sent = json.loads(request.body)
    logger.info("values %s / %s", sent["password"], sent["refresh_token"])
    logger.info("headers %s", dict(request.headers))
    logger.info("key %s", serialize_private_key(key_store.signing_key().private_key).decode())
    grant = lifecycle.start_session(User.objects.first(), request_context(request))
    logger.info("issued %s with secret %s", grant.refresh_token, "test-introspection-secret-0123456789")
    return JsonResponse({"new_refresh_token": grant.refresh_token})


class Chatty(APIView):
    """A token-authenticated view that logs one line: it should carry the caller's ids."""

    authentication_classes = [AccessTokenAuthentication]

    def get(self, request):
        logger.info("served the caller")
        return Response({})


urlpatterns = [
    path("careless", careless),
    path("chatty", Chatty.as_view()),
    path("", include("authfort_django.urls")),
]
