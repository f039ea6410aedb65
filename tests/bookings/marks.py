import pytest
from django.conf import settings

requires_postgresql = pytest.mark.skipif(
    "postgresql" not in settings.DATABASES["default"]["ENGINE"],
    reason="exclusion constraints and row locks exist only on PostgreSQL",
)
