from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("authfort_django.urls")),
    path("", include("authfort_django.api.docs")),
]
# Off unless ADMIN_ENABLED (the default only with DEBUG); then at ADMIN_URL.
if settings.ADMIN_ENABLED:
    urlpatterns.insert(0, path(settings.ADMIN_URL, admin.site.urls))

# Errors outside the API views answer in the API's JSON shape, not as HTML pages.
handler400 = "authfort_django.api.handlers.bad_request"
handler403 = "authfort_django.api.handlers.permission_denied"
handler404 = "authfort_django.api.handlers.not_found"
handler500 = "authfort_django.api.handlers.server_error"
