"""Deploy checks (`manage.py check --deploy`): state that one process keeps on its own disk or in
its own memory while other processes, on other machines, need it.

Each is a warning, not an error: one machine running everything is a valid deployment. With
more than one machine, each warning is a bug waiting to happen (docs: README, "Production").
"""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Warning, register

#: Backends that keep their data on this machine only.
LOCAL_CACHES = (
    "django.core.cache.backends.filebased.FileBasedCache",
    "django.core.cache.backends.locmem.LocMemCache",
)


@register("apex", deploy=True)
def shared_state_check(app_configs=None, **kwargs) -> list[Warning]:
    warnings = []
    if settings.CACHES["default"]["BACKEND"] in LOCAL_CACHES:
        warnings.append(
            Warning(
                "The cache is kept on this machine only: sessions, the dashboard's alerts and "
                "the hourly limits on booking requests and calendar feeds would differ between "
                "machines.",
                hint="Set CACHE_URL (or CELERY_BROKER_URL) to the shared Redis.",
                id="apex.W001",
            )
        )
    if settings.STORAGES["default"]["BACKEND"] == "django.core.files.storage.FileSystemStorage":
        warnings.append(
            Warning(
                f"Uploads (illustrations, videos) are kept on this machine's disk "
                f"({settings.MEDIA_ROOT}): another machine cannot serve them.",
                hint="Set MEDIA_STORAGE=s3 (config/storage.py), or share MEDIA_ROOT between "
                "machines.",
                id="apex.W002",
            )
        )
    if not settings.CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
        warnings.append(
            Warning(
                "The Celery broker is not Redis: workers and beat on other machines cannot "
                "share it, and beat has no lock against running twice.",
                hint="Set CELERY_BROKER_URL to the shared Redis.",
                id="apex.W003",
            )
        )
    return warnings
