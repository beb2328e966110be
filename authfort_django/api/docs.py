"""/api/schema (OpenAPI 3) and /api/docs (Swagger UI), served entirely by this server.

Swagger UI's files come from the drf-spectacular-sidecar package through `asset`,
which serves only the few files the page loads, so the docs work the same under
gunicorn with DEBUG off (no static-files setup needed) and the page loads nothing
from another host. Its start-up script is a separate same-origin request
(SpectacularSwaggerSplitView), so no inline script is needed either.

Both need the [openapi] extra. Without it this URLconf mounts nothing, so a project
that includes it still starts; checks.py (authfort.W102) says what to install when a
setting asks for the schema.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from django.http import FileResponse, Http404, HttpRequest
from django.urls import URLPattern, path

from authfort_django import extras
from authfort_django.api.read_only import read_only

ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "favicon-32x32.png"})


@read_only
def asset(request: HttpRequest, name: str) -> FileResponse:
    if name not in ASSETS:  # a fixed list: no path from the URL ever reaches the filesystem
        raise Http404("No such documentation asset.")
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    response = FileResponse((_swagger_dir() / name).open("rb"), content_type=content_type)
    response["Cache-Control"] = "public, max-age=86400"
    return response


def _swagger_dir() -> Path:
    import drf_spectacular_sidecar

    return Path(drf_spectacular_sidecar.__file__).parent / "static" / "drf_spectacular_sidecar" / "swagger-ui-dist"


def _routes() -> list[URLPattern]:
    from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

    return [
        path("api/schema", SpectacularAPIView.as_view(), name="openapi-schema"),
        path("api/docs", SpectacularSwaggerSplitView.as_view(url_name="openapi-schema"), name="openapi-docs"),
        path("api/docs/assets/<str:name>", asset, name="openapi-docs-asset"),
    ]


urlpatterns = _routes() if extras.installed("openapi") else []
