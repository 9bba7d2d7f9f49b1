"""An expected refusal is not an error: Django logs a PermissionDenied (HTTP 403) on
``django.request`` with its traceback; this filter keeps the one line ("Forbidden
(Permission denied): /path") and drops the traceback. Other records pass unchanged."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied


class ForbiddenOneLine(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if getattr(record, "status_code", None) == 403 or isinstance(exc, PermissionDenied):
            record.exc_info = None
            record.exc_text = None
        return True


def install() -> None:
    logger = logging.getLogger("django.request")
    if not any(isinstance(f, ForbiddenOneLine) for f in logger.filters):
        logger.addFilter(ForbiddenOneLine())
