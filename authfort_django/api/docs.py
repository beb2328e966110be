"""/api/schema (OpenAPI 3) and /api/docs (Swagger UI), served entirely by this server.

Swagger UI's files come from the drf-spectacular-sidecar package through `asset`,
which serves only the few files the page loads, so the docs work the same under
gunicorn with DEBUG off (no static-files setup needed) and the page loads nothing
from another host. Its start-up script is a separate same-origin request
(SpectacularSwaggerSplitView), so no inline script is needed either.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

import drf_spectacular_sidecar
from django.http import FileResponse, Http404, HttpRequest
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from authfort_django.api.read_only import read_only

_SWAGGER_DIR = Path(drf_spectacular_sidecar.__file__).parent / "static" / "drf_spectacular_sidecar" / "swagger-ui-dist"
ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png"})


@read_only
def asset(request: HttpRequest, name: str) -> FileResponse:
    if name not in ASSETS:  # a fixed list: no path from the URL ever reaches the filesystem
        raise Http404("No such documentation asset.")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse((_SWAGGER_DIR / name).open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response


urlpatterns = [
    path("api/schema", SpectacularAPIView.as_view(), name="openapi-schema"),
    path("api/docs", SpectacularSwaggerSplitView.as_view(url_name="openapi-schema"), name="openapi-docs"),
    path("api/docs/assets/<str:name>", asset, name="openapi-docs-asset"),
]
