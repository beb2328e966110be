"""/api/schema describes every endpoint; /api/docs loads nothing from another host."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import yaml
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.validation import validate_schema
from rest_framework.views import APIView

pytestmark = pytest.mark.django_db

# Not API endpoints: Django's admin, and the schema and docs pages themselves.
NOT_DESCRIBED = ("admin/", "api/schema", "api/docs")
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@pytest.fixture
def schema(client) -> dict:
    response = client.get("/api/schema")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def _walk(patterns, prefix=""):
    """(route, callback) for every URL of the project, includes expanded."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def _openapi_path(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def _endpoints():
    for route, callback in _walk(get_resolver().url_patterns):
        if not route.startswith(NOT_DESCRIBED):
            yield route, callback


def test_the_schema_is_valid_openapi_3(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")


def undocumented(schema: dict, patterns) -> list[str]:
    """Every `METHOD /path` of `patterns` the schema lacks, or has only as drf-spectacular's guess.

    drf-spectacular describes any APIView on its own, guessing; an operation counts as
    described only with our summary (the decorators in authfort_django/api/schema.py).
    """
    missing = []
    for route, callback in _walk(patterns):
        if route.startswith(NOT_DESCRIBED):
            continue
        path = _openapi_path(route)
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if view_class is not None and issubclass(view_class, APIView):
            methods = [m for m in HTTP_METHODS if hasattr(view_class, m)]
        else:
            methods = ["get"]  # the plain views (JWKS, metadata, health, metrics) are GET only
        for method in methods:
            operation = schema["paths"].get(path, {}).get(method)
            if operation is None or not operation.get("summary"):
                missing.append(f"{method.upper()} {path}")
    return missing


def test_every_url_of_the_project_is_described_in_the_schema(schema):
    """A new endpoint without a description fails here: describe it in authfort_django/api/schema.py."""
    assert undocumented(schema, get_resolver().url_patterns) == []


def test_the_url_walk_catches_an_endpoint_nobody_described():
    from drf_spectacular.generators import SchemaGenerator

    from tests.observability import undocumented_urls

    generated = SchemaGenerator(urlconf=undocumented_urls).get_schema(request=None, public=True)

    assert undocumented(generated, undocumented_urls.urlpatterns) == [
        "POST /auth/password-reset",
        "GET /auth/plain",
    ]


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield f"{method.upper()} {path}", operation


def test_every_operation_documents_success_and_errors_with_schemas(schema):
    for name, operation in _operations(schema):
        statuses = [int(code) for code in operation["responses"]]
        assert any(200 <= s < 300 for s in statuses), name
        if not name.endswith(("/metrics", "/jwks.json", "/health")) and "well-known" not in name:
            assert any(400 <= s < 500 for s in statuses), f"{name} documents no error"
        for code, response in operation["responses"].items():
            if 400 <= int(code) < 500 and response.get("content"):
                ref = response["content"]["application/json"]["schema"]["$ref"]
                assert ref in ("#/components/schemas/Error", "#/components/schemas/ValidationError"), name


def test_request_bodies_are_described(schema):
    for name in ("POST /auth/register", "POST /auth/login", "POST /auth/refresh", "POST /auth/password",
                 "POST /auth/introspect", "POST /auth/roles"):
        method, path = name.split(" ")
        body = schema["paths"][path][method.lower()]["requestBody"]
        assert body["content"], name
    introspect = schema["paths"]["/auth/introspect"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/x-www-form-urlencoded"} <= set(introspect)


def test_security_schemes_bearer_cookie_and_introspection_secret(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert (schemes["cookieAuth"]["in"], schemes["cookieAuth"]["name"]) == ("cookie", "access_token")
    me = schema["paths"]["/auth/me"]["get"]
    assert me["security"] == [{"bearerAuth": []}, {"cookieAuth": []}]
    assert schema["paths"]["/auth/introspect"]["post"]["security"] == [{"introspectionSecret": []}]


def test_the_schema_is_json_too(client):
    response = client.get("/api/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert json.loads(response.content)["info"]["title"] == "authfort"


# The Swagger UI page


class _References(HTMLParser):
    """Every URL the page would load: script and img src, link href."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0
        self._in_script_without_src = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for attribute in ("src", "href"):
            if attrs.get(attribute) is not None and tag in ("script", "link", "img", "iframe", "source"):
                self.urls.append(attrs[attribute])
        self._in_script_without_src = tag == "script" and "src" not in attrs

    def handle_data(self, data):
        if self._in_script_without_src and data.strip():
            self.inline_scripts += 1

    def handle_endtag(self, tag):
        self._in_script_without_src = False


def test_the_docs_page_loads_only_files_of_this_server(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    parser = _References()
    parser.feed(page.content.decode())

    assert len(parser.urls) >= 4  # favicon, css, bundle, preset, init script
    assert parser.inline_scripts == 0
    for url in parser.urls:
        absolute = urljoin("http://testserver/api/docs", url)
        assert urlsplit(absolute).netloc == "testserver", f"{url} is not served by this server"
        assert client.get(url).status_code == 200, url


def test_the_docs_script_points_at_our_schema_and_no_validator(client):
    script = client.get("/api/docs?script=").content.decode()

    assert '"validatorUrl": null' in script
    assert "/api/schema" in script
    assert not re.findall(r"https?://(?!testserver)", script)


@pytest.mark.parametrize("name", ["nope.js", "..%2F..%2Fsettings.py", "oauth2-redirect.html", "LICENSE"])
def test_only_the_swagger_assets_are_served(client, name):
    assert client.get(f"/api/docs/assets/{name}").status_code == 404


@pytest.mark.parametrize("path", ["/health", "/metrics", "/.well-known/jwks.json", "/.well-known/openid-configuration",
                                  "/api/docs/assets/swagger-ui.css"])
@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_get_only_endpoints_answer_other_methods_405_not_a_csrf_page(path, method):
    """Found by schemathesis: CSRF middleware answered these with its 403 HTML page."""
    from django.test import Client

    response = getattr(Client(enforce_csrf_checks=True), method)(path)

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
