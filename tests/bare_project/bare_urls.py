from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("authfort_django.urls")),
    # Mounts nothing without the [openapi] extra; the project need not know.
    path("", include("authfort_django.api.docs")),
]
