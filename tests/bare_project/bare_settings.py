"""A project as `django-admin startproject` makes it, plus authfort_django: what a team
that installs the bare wheel (no extras, no django-environ) writes first."""

from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
SECRET_KEY = "bare-project-secret-key-only-for-this-smoke-test-0123456789"
DEBUG = False
ALLOWED_HOSTS = ["testserver"]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "authfort_django",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# As the README's installation says for 0.3 (the user model is authfort's own).
AUTH_USER_MODEL = "authfort_django.User"
ROOT_URLCONF = "bare_urls"
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
# One connection in one thread: the in-memory database lives as long as the smoke run.
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
USE_TZ = True
STATIC_URL = "static/"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Django's default list, minus the slow first entry: the smoke run is about imports.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

AUTHFORT = {
    "ISSUER": "http://testserver",
    "KEY_ENCRYPTION_KEYS": ["bare-project-key-encryption-key-0123456789"],
    "FRONTEND_URL": "https://app.example.com",
}
