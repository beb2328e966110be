from django.http import HttpResponse
from django.urls import include, path


def trivial(request):
    return HttpResponse(b'{"ok":true}', content_type="application/json")


urlpatterns = [
    path("bench/trivial", trivial),
    path("", include("config.urls")),
]
