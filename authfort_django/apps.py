from django.apps import AppConfig


class AuthfortConfig(AppConfig):
    name = "authfort_django"
    label = "authfort_django"
    verbose_name = "Authfort"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Only registration here: checks and receivers. No database access.
        from . import checks  # noqa: F401
        from . import receivers  # noqa: F401
        from . import recovery_checks  # noqa: F401
        from .metrics import checks as metrics_checks  # noqa: F401
