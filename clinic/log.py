"""Logging helpers referenced from settings.LOGGING."""

from __future__ import annotations

import logging


class ExpectedErrorsOneLine(logging.Filter):
    """Log 4xx responses (404 for a stale link, 403 for a page another role may open) as one
    line: Django attaches the Http404 or PermissionDenied traceback, which says nothing an
    operator needs and buries real errors in the terminal."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
