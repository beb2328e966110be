"""/api/schema describes every endpoint; /api/docs loads nothing from another host.

The DRF views' operations come from the views themselves (authfort_django/api/openapi.py):
the tests below pin each thing that is derived, so that dropping a derivation fails.
"""

from __future__ import annotations

import copy
import inspect
import json
import re
from html.parser import HTMLParser
from types import ModuleType
from urllib.parse import urljoin, urlsplit

import pytest
import yaml
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, include, path
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.settings import SPECTACULAR_DEFAULTS, patched_settings
from drf_spectacular.utils import extend_schema
from drf_spectacular.validation import validate_schema
from rest_framework.views import APIView

from authfort_django.accounts.errors import EmailTaken
from authfort_django.api.cookies import CSRFFailed
from authfort_django.api.errors import STATUS_BY_ERROR, status_for
from authfort_django.api.permissions import IsAuthfortAdmin
from authfort_django.api.views.accounts import LoginView
from authfort_django.api.views.base import AuthfortAPIView
from authfort_django.exceptions import AuthfortError
from tests.helpers.openapi import HTTP_METHODS, schema_operations

pytestmark = pytest.mark.django_db

# Not API endpoints: Django's admin, and the schema and docs pages themselves.
NOT_DESCRIBED = ("admin/", "api/schema", "api/docs")
HOOK = "authfort_django.api.schema.add_plain_views"


@pytest.fixture(scope="module")
def served_schema(django_db_setup, django_db_blocker) -> dict:
    """/api/schema as served, generated once for this module (about a second each time)."""
    with django_db_blocker.unblock():
        response = Client().get("/api/schema")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


@pytest.fixture
def schema(served_schema) -> dict:
    return copy.deepcopy(served_schema)  # a test may not change what the next one reads


@pytest.fixture
def generator_stats():
    """drf-spectacular counts warnings process-wide: each test starts and ends with none."""
    GENERATOR_STATS.reset()
    yield GENERATOR_STATS
    GENERATOR_STATS.reset()


def _walk(patterns, prefix=""):
    """(route, callback) for every URL of the project, includes expanded."""
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def _openapi_path(route: str) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def _api_views():
    """(OpenAPI path, DRF view class) of every DRF endpoint of the project."""
    for route, callback in _walk(get_resolver().url_patterns):
        view_class = getattr(callback, "cls", None)
        if view_class is not None and not route.startswith(NOT_DESCRIBED):
            yield _openapi_path(route), view_class


def _response(schema: dict, name: str, status: int) -> dict | None:
    method, path_ = name.split(" ")
    return schema["paths"][path_][method.lower()]["responses"].get(str(status))


def _codes(response: dict) -> set[str]:
    return set(response["content"]["application/json"]["examples"])


def test_the_schema_is_valid_openapi_3(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")


def test_manage_py_spectacular_validates_with_no_warning_and_prints_no_secret(tmp_path, capsys, generator_stats):
    """The command CI runs: --fail-on-warn turns any guess of drf-spectacular into a failure."""
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    written = target.read_text()
    assert "/auth/login" in yaml.safe_load(written)["paths"]
    printed = capsys.readouterr()
    authfort = django_settings.AUTHFORT
    secrets = [django_settings.SECRET_KEY, *authfort["INTROSPECTION_SECRETS"], *authfort["KEY_ENCRYPTION_KEYS"]]
    for secret in secrets:
        assert secret not in written + printed.out + printed.err


def undocumented(schema: dict, patterns) -> list[str]:
    """Every `METHOD /path` of `patterns` the schema lacks, or has only as drf-spectacular's guess.

    drf-spectacular describes any APIView on its own, guessing; an operation counts as
    described only with a summary: the first paragraph of the view's (or the method's)
    docstring, or the plain views' entry in authfort_django/api/schema.py.
    """
    missing = []
    for route, callback in _walk(patterns):
        if route.startswith(NOT_DESCRIBED):
            continue
        path_ = _openapi_path(route)
        view_class = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        if view_class is not None and issubclass(view_class, APIView):
            methods = [m for m in HTTP_METHODS if hasattr(view_class, m)]
        else:
            # The plain views are read_only (JWKS, metadata, health, metrics) unless they
            # say otherwise (the OAuth endpoints: POST).
            methods = list(getattr(callback, "http_methods", ("get", "head")))
        for method in methods:
            operation = schema["paths"].get(path_, {}).get(method)
            if operation is None or not operation.get("summary"):
                missing.append(f"{method.upper()} {path_}")
    return missing


def test_every_url_of_the_project_is_described_in_the_schema(schema):
    """A new endpoint without a description fails here: give its view a docstring (a plain
    view an entry in authfort_django/api/schema.py)."""
    assert undocumented(schema, get_resolver().url_patterns) == []


def test_the_url_walk_catches_an_endpoint_nobody_described(generator_stats):
    from tests.observability import undocumented_urls

    with generator_stats.silence():
        generated = SchemaGenerator(urlconf=undocumented_urls).get_schema(request=None, public=True)

    assert undocumented(generated, undocumented_urls.urlpatterns) == [
        "POST /auth/password-reset",
        "GET /auth/plain",
        "HEAD /auth/plain",
    ]


def test_a_view_that_does_not_say_what_it_answers_fails_the_strict_generation(generator_stats):
    """Its success answer cannot be read from code: without @extend_schema(responses=...)
    `spectacular --fail-on-warn` fails instead of publishing a guess."""
    from tests.observability import undocumented_urls

    with generator_stats.silence():
        SchemaGenerator(urlconf=undocumented_urls).get_schema(request=None, public=True)

    assert generator_stats


def _operations(schema):
    for method, path_, operation in schema_operations(schema):
        yield f"{method.upper()} {path_}", operation


def test_every_operation_documents_success_and_errors_with_schemas(schema):
    for name, operation in _operations(schema):
        statuses = [int(code) for code in operation["responses"]]
        # The sign-in redirects (/auth/oauth/{provider}/authorize, /callback) succeed with a 302.
        assert any(200 <= s < 300 or s == 302 for s in statuses), name
        if not name.endswith(("/metrics", "/jwks.json", "/health")) and "well-known" not in name:
            assert any(400 <= s < 500 for s in statuses), f"{name} documents no error"
        for code, response in operation["responses"].items():
            if 400 <= int(code) < 500 and response.get("content"):
                ref = response["content"]["application/json"]["schema"]["$ref"]
                # OAuthError: the RFC 6749 §5.2 shape of /auth/token and /auth/revoke, by design.
                assert ref in ("#/components/schemas/Error", "#/components/schemas/ValidationError",
                               "#/components/schemas/OAuthError"), name


def test_request_bodies_are_described(schema):
    for name in ("POST /auth/register", "POST /auth/login", "POST /auth/refresh", "POST /auth/password",
                 "POST /auth/introspect", "POST /auth/roles"):
        method, path_ = name.split(" ")
        body = schema["paths"][path_][method.lower()]["requestBody"]
        assert body["content"], name
    introspect = schema["paths"]["/auth/introspect"]["post"]["requestBody"]["content"]
    assert {"application/json", "application/x-www-form-urlencoded"} <= set(introspect)


def test_security_schemes_bearer_cookie_refresh_cookie_and_introspection_secret(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerAuth"] == {**schemes["bearerAuth"], "type": "http", "scheme": "bearer"}
    assert (schemes["cookieAuth"]["in"], schemes["cookieAuth"]["name"]) == ("cookie", "__Host-access_token")
    assert (schemes["refreshCookie"]["in"], schemes["refreshCookie"]["name"]) == ("cookie", "__Secure-refresh_token")
    assert schemes["introspectionSecret"]["scheme"] == "bearer"
    me = schema["paths"]["/auth/me"]["get"]
    assert me["security"] == [{"bearerAuth": []}, {"cookieAuth": []}]
    assert schema["paths"]["/auth/introspect"]["post"]["security"] == [{"introspectionSecret": []}]
    assert schema["paths"]["/auth/refresh"]["post"]["security"] == [{"refreshCookie": []}, {}]


def test_a_token_is_optional_where_no_permission_needs_a_user(schema):
    request_mail = schema["paths"]["/auth/verify-email/request"]["post"]["security"]

    assert request_mail == [{"bearerAuth": []}, {"cookieAuth": []}, {}]


# What the views declare, and what the schema derives from it.


def test_summary_and_description_come_from_the_view_docstring(schema):
    summary, description = inspect.getdoc(LoginView).split("\n\n", 1)

    login = schema["paths"]["/auth/login"]["post"]
    assert login["summary"] == summary.rstrip(".")
    assert login["description"] == description


def test_a_methods_docstring_describes_its_own_operation(schema):
    roles = schema["paths"]["/auth/roles"]

    assert (roles["get"]["summary"], roles["post"]["summary"]) == ("List roles", "Create a role")


def test_the_tag_is_the_views_module(schema):
    assert schema["paths"]["/auth/refresh"]["post"]["tags"] == ["sessions"]
    assert schema["paths"]["/auth/roles"]["get"]["tags"] == ["moderation"]


def test_authentication_brings_401_with_the_bearer_challenge(schema):
    unauthorized = _response(schema, "GET /auth/me", 401)

    challenge = unauthorized["headers"]["WWW-Authenticate"]
    assert challenge["required"] is True
    assert challenge["example"].startswith('Bearer realm="authfort"')
    assert {"invalid_token", "not_authenticated"} <= _codes(unauthorized)


def test_a_401_of_a_view_without_authentication_documents_the_realm_only_challenge(schema):
    """Login's 401 is the flow's invalid_credentials: the challenge names the scheme, no error."""
    unauthorized = _response(schema, "POST /auth/login", 401)

    assert unauthorized["headers"]["WWW-Authenticate"]["example"] == 'Bearer realm="authfort"'
    assert _codes(unauthorized) == {"invalid_credentials"}


def test_a_server_without_a_signing_key_is_documented_as_a_503_with_retry_after(schema):
    unavailable = _response(schema, "POST /auth/login", 503)

    assert _codes(unavailable) == {"signing_key_missing"}
    assert "Retry-After" in unavailable["headers"]


def test_permission_classes_bring_403_with_their_code(schema):
    assert IsAuthfortAdmin.code in _codes(_response(schema, "GET /auth/roles", 403))
    # IsAuthenticated refuses only the anonymous (401), and a GET needs no CSRF header.
    assert _response(schema, "GET /auth/me", 403) is None


def test_cookie_authentication_brings_the_csrf_403_on_unsafe_methods(schema):
    assert "csrf_failed" in _codes(_response(schema, "POST /auth/logout-all", 403))
    assert "csrf_failed" in _codes(_response(schema, "POST /auth/refresh", 403))  # the refresh cookie
    # A safe method has no CSRF check; its only 403 is REQUIRE_MFA_FOR_STAFF's.
    assert _codes(_response(schema, "GET /auth/sessions", 403)) == {"mfa_setup_required"}


def test_views_a_staff_user_without_mfa_cannot_reach_document_the_403(schema):
    assert "mfa_setup_required" in _codes(_response(schema, "GET /auth/roles", 403))
    assert "mfa_setup_required" in _codes(_response(schema, "POST /auth/step-up", 403))
    for allowed in ("GET /auth/me", "POST /auth/mfa/totp/setup", "POST /auth/logout", "POST /auth/login"):
        refused = _response(schema, allowed, 403)
        assert refused is None or "mfa_setup_required" not in _codes(refused), allowed


def test_throttles_bring_429_with_retry_after(schema):
    for path_, view_class in _api_views():
        for method in HTTP_METHODS:
            if hasattr(view_class, method):
                throttled = _response(schema, f"{method.upper()} {path_}", 429)
                assert (throttled is not None) == bool(view_class.throttle_classes), f"{method} {path_}"
                if throttled is not None:
                    assert throttled["headers"]["Retry-After"]["required"] is True


def test_a_request_body_brings_400_413_and_415(schema):
    invalid = _response(schema, "POST /auth/register", 400)
    assert invalid["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ValidationError"
    assert {"invalid_request", "parse_error"} <= _codes(invalid)
    assert _codes(_response(schema, "POST /auth/register", 413)) == {"request_too_large"}
    assert _codes(_response(schema, "POST /auth/register", 415)) == {"unsupported_media_type"}
    for status in (400, 413, 415):  # logout-all reads no body
        assert _response(schema, "POST /auth/logout-all", status) is None


def test_a_body_read_without_a_serializer_has_no_field_errors(schema):
    """Refresh reads `refresh_token` itself: a bad one is a 401, never invalid_request.
    Its 400s are the parser's and token_delivery's."""
    assert _codes(_response(schema, "POST /auth/refresh", 400)) == {
        "parse_error", "token_delivery_invalid", "token_delivery_unavailable", "token_delivery_refused",
    }


def _declared(view_class, method: str):
    declared = getattr(view_class, "domain_errors", ())
    declared = declared.get(method, ()) if isinstance(declared, dict) else declared
    # A family's base (no code of its own) stands for its members.
    members = []
    for error in declared:
        members += error.__subclasses__() if issubclass(error, AuthfortError) and "code" not in vars(error) else [error]
    return members


@pytest.mark.parametrize(
    ("operation", "family"),
    [("POST /auth/password-reset/confirm", "reset_token"), ("POST /auth/verify-email", "verification_token")],
)
def test_a_declared_error_family_documents_each_member(schema, operation, family):
    codes = _codes(_response(schema, operation, 400))

    assert {f"{family}_{why}" for why in ("invalid", "expired", "used", "superseded")} <= codes
    assert "error" not in codes  # the family's base is no answer of its own


def test_every_declared_domain_error_is_documented_with_its_status_and_code(schema):
    checked = 0
    for path_, view_class in _api_views():
        for method in HTTP_METHODS:
            for error in _declared(view_class, method) if hasattr(view_class, method) else ():
                if issubclass(error, AuthfortError):
                    status, code = status_for(error()), error.code
                else:  # a DRF exception
                    status, code = error.status_code, error.default_code
                documented = _response(schema, f"{method.upper()} {path_}", status)
                assert documented is not None and code in _codes(documented), f"{method} {path_}: {code}"
                checked += 1
    assert checked > 30


def test_domain_error_statuses_come_from_status_by_error(monkeypatch):
    monkeypatch.setitem(STATUS_BY_ERROR, EmailTaken, 422)

    generated = SchemaGenerator().get_schema(request=None, public=True)

    assert "email_taken" in _codes(_response(generated, "POST /auth/register", 422))
    assert _response(generated, "POST /auth/register", 409) is None


def _urlconf(name: str, urlpatterns: list) -> ModuleType:
    """A URLconf made in the test (a module: Django caches resolvers by URLconf)."""
    urlconf = ModuleType(name)
    urlconf.urlpatterns = urlpatterns
    return urlconf


def _urlconf_declaring(error) -> ModuleType:
    """A URLconf whose one view declares `error` among its domain errors."""

    @extend_schema(responses={204: None})
    class Declaring(AuthfortAPIView):
        """Declares an error."""

        domain_errors = (error,)

        def post(self, request):
            raise NotImplementedError

    return _urlconf("declaring_urls", [path("declaring", Declaring.as_view())])


@pytest.mark.parametrize(
    ("error", "warning"),
    [(ValueError, "does not answer ValueError"), (CSRFFailed, "CSRFFailed() needs arguments")],
)
def test_a_domain_error_the_schema_cannot_show_is_a_warning_not_a_missing_status(
    error, warning, capsys, generator_stats
):
    SchemaGenerator(urlconf=_urlconf_declaring(error)).get_schema(request=None, public=True)

    assert generator_stats
    assert warning in capsys.readouterr().err


# A project that installs the app: drf-spectacular's defaults plus the hook.


_MOUNTED_UNDER_A_PREFIX = _urlconf("mounted_under_a_prefix", [path("idp/", include("authfort_django.urls"))])


def test_a_project_gets_the_same_schema_from_drf_spectacular_defaults_and_the_hook(
    schema, settings, generator_stats
):
    # Whatever this project sets, back to drf-spectacular's defaults (SERVE_* only concern
    # the schema view); and no DEFAULT_SCHEMA_CLASS in REST_FRAMEWORK.
    defaults = {
        name: SPECTACULAR_DEFAULTS[name]
        for name in django_settings.SPECTACULAR_SETTINGS
        if not name.startswith("SERVE_")
    }
    settings.REST_FRAMEWORK = {
        name: value for name, value in settings.REST_FRAMEWORK.items() if name != "DEFAULT_SCHEMA_CLASS"
    }

    with patched_settings({**defaults, "POSTPROCESSING_HOOKS": [*SPECTACULAR_DEFAULTS["POSTPROCESSING_HOOKS"], HOOK]}):
        generated = SchemaGenerator(urlconf=_MOUNTED_UNDER_A_PREFIX).get_schema(request=None, public=True)

    assert not generator_stats, "drf-spectacular warned: see the test's captured stderr"
    validate_schema(generated)
    assert all(path_.startswith("/idp/") for path_ in generated["paths"])  # the plain views too

    def statuses(document, prefix=""):
        return {
            (path_.removeprefix(prefix), method): sorted(operation["responses"])
            for path_, item in document["paths"].items()
            for method, operation in item.items()
        }

    assert statuses(generated, prefix="/idp") == statuses(schema)
    assert set(generated["components"]["securitySchemes"]) == set(schema["components"]["securitySchemes"])


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


@pytest.mark.parametrize("path", ["/health", "/metrics", "/.well-known/jwks.json", "/.well-known/oauth-authorization-server",
                                  "/api/docs/assets/swagger-ui.css"])
@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_get_only_endpoints_answer_other_methods_405_not_a_csrf_page(path, method):
    """Found by schemathesis: CSRF middleware answered these with its 403 HTML page."""
    from django.test import Client

    response = getattr(Client(enforce_csrf_checks=True), method)(path)

    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
