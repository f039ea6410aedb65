from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self) -> None:
        from clinic import audit, checks, signals  # noqa: F401  (receivers, deploy checks)

        audit.connect_signals()
