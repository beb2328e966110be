"""Settings of the reference deployment, read only from the environment.

Every `AUTHFORT` key can be set as `AUTHFORT_<KEY>`; see the README's table.
Nothing here is needed by the reusable app itself: a project that installs
`authfort_django` sets `AUTHFORT` however it likes.
"""

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

import authfort_django
from authfort_django.conf import THROTTLE_DEFAULTS
from authfort_django.observability.logging import (
    logging_config as authfort_logging_config,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)


def _secret_key() -> str:
    """SECRET_KEY from the environment; in a local checkout, one generated once into var/."""
    if "SECRET_KEY" in env:
        return env.str("SECRET_KEY")
    key_file = VAR_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    from django.core.management.utils import get_random_secret_key

    VAR_DIR.mkdir(exist_ok=True)
    key = get_random_secret_key()
    key_file.touch(mode=0o600)
    key_file.write_text(key)
    return key


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The admin is a second front door with its own login form: on with DEBUG, off
# otherwise unless asked for (config/urls.py; README "Keeping the admin private").
ADMIN_ENABLED = env.bool("ADMIN_ENABLED", default=DEBUG)
ADMIN_URL = env.str("ADMIN_URL", default="admin/")
if not ADMIN_URL.endswith("/") or ADMIN_URL.startswith("/"):
    raise ImproperlyConfigured(f"ADMIN_URL is {ADMIN_URL!r}; give a path like ops-7f3a/admin/ (no leading /, a trailing /).")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: `runserver` serves static files through WhiteNoise too, as gunicorn does.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "authfort_django",
    "drf_spectacular",  # OpenAPI at /api/schema, Swagger UI at /api/docs (authfort_django/api/docs.py)
]

MIDDLEWARE = [
    # First: every later middleware's log lines carry the request id.
    "authfort_django.observability.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (the admin's, Swagger UI's) without DEBUG: right after SecurityMiddleware
    # so they get its headers and skip every middleware below.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# An empty DATABASE_URL (as in `DATABASE_URL= make test`) means the default, not an empty config.
DATABASES = {
    "default": env.db_url_config(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'authfort.sqlite3'}"
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    VAR_DIR.mkdir(exist_ok=True)
    # Serialise writers instead of failing with "database is locked" under gunicorn workers.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.mysql":
    # MariaDB/MySQL: full Unicode, errors instead of silent truncation, and READ
    # COMMITTED (InnoDB's REPEATABLE READ default makes the row-locked refresh read a
    # stale snapshot after waiting for the lock). Canonical emails compare byte-exactly:
    # CanonicalEmailField asks for utf8mb4_bin. Every other column keeps the server's
    # (case-insensitive) default collation, in tests too, as in production.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "charset": "utf8mb4",
            "sql_mode": "STRICT_TRANS_TABLES,NO_ENGINE_SUBSTITUTION",
            "isolation_level": "read committed",
        }
    )
    DATABASES["default"]["TEST"] = {"CHARSET": "utf8mb4"}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Lower case: not a Django setting (it may hold a password). Empty means unset, as for DATABASE_URL.
redis_url = env.str("REDIS_URL", default="")
if redis_url:
    # Shared by every worker and host, so throttle counters are global.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="authfort"),
        }
    }

AUTH_USER_MODEL = "authfort_django.User"
# The first hashes new passwords; the others still verify (and upgrade) older hashes.
PASSWORD_HASHERS = env.list(
    "PASSWORD_HASHERS",
    default=[
        "django.contrib.auth.hashers.Argon2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ],
)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
STATIC_URL = "static/"
# Filled by `manage.py collectstatic` (the Dockerfile runs it at build time, into
# /app/static: outside the var/ volume, so a new image never serves an old copy).
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Content-hashed names (cached for a year by WhiteNoise) and compressed copies.
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# A file missing from the manifest (a server started without collectstatic) is linked
# by its plain name: the page is unstyled, where strict mode would answer a 500.
WHITENOISE_MANIFEST_STRICT = False

REST_FRAMEWORK = {
    # Behind N reverse proxies, the client address is the N-th from the right of
    # X-Forwarded-For; unset means "trust none" (REMOTE_ADDR) so it cannot be spoofed.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "authfort",
    "DESCRIPTION": "Sign-in, sessions and tokens. Errors are always {detail, code}.",
    "VERSION": authfort_django.__version__,
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI's files come from this server (drf-spectacular-sidecar), never a CDN.
    "SWAGGER_UI_DIST": "/api/docs/assets",
    "SWAGGER_UI_FAVICON_HREF": "/api/docs/assets/favicon-32x32.png",
    # Swagger UI's default validator badge is an image from another host: off.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # drf-spectacular's default hook, then the app's: the plain views (JWKS, metadata,
    # health, metrics) and the security schemes. The one SPECTACULAR_SETTINGS entry a
    # project that installs authfort_django needs (see authfort_django/api/schema.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "authfort_django.api.schema.add_plain_views",
    ],
}

# Every authfort request body is a few hundred bytes; Django's 2.5 MB default only
# gives a flood more to parse. Larger bodies get 413 request_too_large.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=64 * 1024)

# HTTPS: each of Django's settings from the variable of the same name, so that
# `manage.py check --deploy` is clean with the production variables (docker/production.env).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=False)
# Probes and scrapers call these over plain http inside the network: never redirected.
SECURE_REDIRECT_EXEMPT = [r"^health$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=False)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)


def _proxy_ssl_header() -> tuple[str, str] | None:
    """SECURE_PROXY_SSL_HEADER as `HEADER,VALUE` (e.g. HTTP_X_FORWARDED_PROTO,https);
    TRUST_X_FORWARDED_PROTO=true is the short form of exactly that. Unset: trust no header."""
    if "SECURE_PROXY_SSL_HEADER" in env:
        parts = [part.strip() for part in env.str("SECURE_PROXY_SSL_HEADER").split(",")]
        if len(parts) != 2 or not parts[0].startswith("HTTP_") or not parts[1]:
            raise ImproperlyConfigured(
                "SECURE_PROXY_SSL_HEADER must be HEADER,VALUE with the header in Django's "
                "META form, e.g. HTTP_X_FORWARDED_PROTO,https."
            )
        return parts[0], parts[1]
    if env.bool("TRUST_X_FORWARDED_PROTO", default=False):
        return "HTTP_X_FORWARDED_PROTO", "https"
    return None


SECURE_PROXY_SSL_HEADER = _proxy_ssl_header()


def _providers_from_env() -> dict:
    """AUTHFORT["PROVIDERS"] from AUTHFORT_PROVIDER_<NAME>_ISSUER (or _PRESET), _CLIENT_ID,
    _CLIENT_SECRET, _SCOPES, _TRUST_EMAIL, _TENANT, _NATIVE_CLIENT_IDS: one provider per
    <NAME> (its URL name is <NAME> in lower case)."""
    typed = {
        "ISSUER": env.str,
        "PRESET": env.str,
        "CLIENT_ID": env.str,
        "CLIENT_SECRET": env.str,
        "SCOPES": env.list,
        "TRUST_EMAIL": env.bool,
        "TENANT": env.str,
        "NATIVE_CLIENT_IDS": env.list,
    }
    names = {
        variable[len("AUTHFORT_PROVIDER_"): -len(f"_{key}")]
        for variable in os.environ
        for key in ("ISSUER", "PRESET")
        if variable.startswith("AUTHFORT_PROVIDER_") and variable.endswith(f"_{key}")
    }
    return {
        name.lower(): {
            key: cast(f"AUTHFORT_PROVIDER_{name}_{key}")
            for key, cast in typed.items()
            if f"AUTHFORT_PROVIDER_{name}_{key}" in env
        }
        for name in sorted(names)
        if name
    }


def _authfort_from_env() -> dict:
    """Every AUTHFORT key that is present in the environment, typed."""
    typed = {
        "ISSUER": env.str,
        "AUDIENCE": env.str,
        "CLIENT_ID": env.str,
        "ACCESS_TOKEN_TTL": env.int,
        "ACCESS_TOKEN_MAX_BYTES": env.int,
        "REFRESH_TOKEN_TTL": env.int,
        "REFRESH_IDLE_TTL": env.int,
        "ALGORITHM": env.str,
        "RSA_KEY_SIZE": env.int,
        "PUBLISH_AHEAD": env.int,
        "JWKS_MAX_AGE": env.int,
        "LEEWAY": env.int,
        "KEY_CACHE_TTL": env.int,
        "KEY_ENCRYPTION_KEYS": env.list,
        "INTROSPECTION_SECRETS": env.list,
        "REGISTRATION_OPEN": env.bool,
        "DEFAULT_ROLES": env.list,
        "EXTRA_CLAIMS": env.str,
        "FRONTEND_URL": env.str,
        "PASSWORD_RESET_PATH": env.str,
        "VERIFY_EMAIL_PATH": env.str,
        "PASSWORD_RESET_TTL": env.int,
        "EMAIL_VERIFICATION_TTL": env.int,
        "REQUIRE_VERIFIED_EMAIL": env.bool,
        "SEND_ACCOUNT_EMAILS": env.bool,
        "METRICS_ACCESS": env.list,
        "THROTTLE_IPV6_PREFIX": env.int,
        # Multi-factor authentication and passkeys.
        "MFA_TOKEN_TTL": env.int,
        "MFA_MAX_ATTEMPTS": env.int,
        "TOTP_ISSUER": env.str,
        "WEBAUTHN_RP_ID": env.str,
        "WEBAUTHN_RP_NAME": env.str,
        "WEBAUTHN_ORIGINS": env.list,
        "REQUIRE_MFA_FOR_STAFF": env.bool,
        # Federated and passwordless sign-in; the providers themselves: _providers_from_env.
        "REDIRECT_ALLOWLIST": env.list,
        "OAUTH_STATE_TTL": env.int,
        "OAUTH_EXCHANGE_CODE_TTL": env.int,
        "PROVIDER_TIMEOUT": env.int,
        "ID_TOKEN_MAX_AGE": env.int,
        "PASSWORDLESS_SIGNUP": env.bool,
        "MAGIC_LINK_PATH": env.str,
        "MAGIC_LINK_TTL": env.int,
        "EMAIL_CODE_TTL": env.int,
        "EMAIL_CODE_DIGITS": env.int,
        "EMAIL_CODE_MAX_ATTEMPTS": env.int,
        "CLIENT_ASSERTION_MAX_LIFETIME": env.int,
    }
    conf = {key: cast(f"AUTHFORT_{key}") for key, cast in typed.items() if f"AUTHFORT_{key}" in env}
    providers = _providers_from_env()
    if providers:
        conf["PROVIDERS"] = providers
    cookie_typed = {
        "ENABLED": env.bool,
        "DOMAIN": env.str,
        "SECURE": env.bool,
        "SAMESITE": env.str,
        "REFRESH_PATH": env.str,
    }
    cookie = {
        key: cast(f"AUTHFORT_COOKIE_{key}")
        for key, cast in cookie_typed.items()
        if f"AUTHFORT_COOKIE_{key}" in env
    }
    if cookie:
        conf["COOKIE"] = cookie
    rates = {
        scope: env.str(f"AUTHFORT_THROTTLE_{scope.upper()}")
        for scope in THROTTLE_DEFAULTS
        if f"AUTHFORT_THROTTLE_{scope.upper()}" in env
    }
    if rates:
        conf["THROTTLE_RATES"] = rates
    return conf


AUTHFORT = _authfort_from_env()

# Mail (password reset and email verification links). EMAIL_URL (e.g.
# smtp+tls://user:password@mail.example.com:587) configures SMTP in one variable;
# otherwise EMAIL_BACKEND: the console with DEBUG (`make run` prints the links), else SMTP
# on localhost:25 (Django's default).
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
else:
    # The console prints each mail, token included: for local work only (check W006).
    EMAIL_BACKEND = env.str(
        "EMAIL_BACKEND",
        default="django.core.mail.backends.console.EmailBackend" if DEBUG
        else "django.core.mail.backends.smtp.EmailBackend",
    )
if "EMAIL_FILE_PATH" in env:
    EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="authfort@localhost")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)

# One JSON object per line (LOG_FORMAT=json, the default unless DEBUG) or readable
# console lines (LOG_FORMAT=console); both with request ids and secrets redacted.
LOG_FORMAT = env.str("LOG_FORMAT", default="console" if DEBUG else "json")
if LOG_FORMAT not in ("json", "console"):
    raise ImproperlyConfigured(f"LOG_FORMAT is {LOG_FORMAT!r}; set it to json or console.")
LOGGING = authfort_logging_config(level=env.str("LOG_LEVEL", default="INFO"), json_lines=LOG_FORMAT == "json")
