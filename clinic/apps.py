from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self) -> None:
        from clinic import audit, signals  # noqa: F401  (login/logout receivers)

        audit.connect_signals()
