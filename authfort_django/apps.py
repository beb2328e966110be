from django.apps import AppConfig


class AuthfortConfig(AppConfig):
    name = "authfort_django"
    label = "authfort_django"
    verbose_name = "Authfort"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Only registration here: checks and receivers. No database access.
        from authfort_django import checks  # noqa: F401
        from authfort_django.accounts import credentials
        from authfort_django.observability.metrics import receivers  # noqa: F401

        credentials.connect()
