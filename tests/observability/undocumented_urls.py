"""A URLconf with endpoints nobody described, for the schema-completeness test."""

from django.http import JsonResponse
from django.urls import path
from rest_framework.response import Response

from authfort_django.api.views.accounts import MeView
from authfort_django.api.views.base import AuthfortAPIView


class PasswordResetView(AuthfortAPIView):
    def post(self, request):
        return Response(status=202)


def plain(request):
    return JsonResponse({})


urlpatterns = [
    path("auth/me", MeView.as_view()),  # described: not reported
    path("auth/password-reset", PasswordResetView.as_view()),
    path("auth/plain", plain),
]
