from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = "Reminders"

    def ready(self) -> None:
        from notifications.sources import autodiscover

        autodiscover()
