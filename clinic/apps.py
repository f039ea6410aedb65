from django.apps import AppConfig


class ClinicConfig(AppConfig):
    name = "clinic"
    verbose_name = "Clinic"

    def ready(self) -> None:
        from clinic import audit, fragments, signals  # noqa: F401  (login/logout receivers)

        audit.connect_signals()
        fragments.connect_signals()
