"""Every log line with its mobile and ID numbers masked (healthcode.masking.mask_log_text),
whichever code wrote it: ours, Django's (a 404's path, a refused Host header), django-axes',
Celery's, gunicorn's access log (a URL with a search term in it) or an exception's message.

A filter on the handlers, not on loggers: a logger's filter sees only what is logged on that
logger, a handler's everything that reaches it. settings.LOGGING puts it on the console
handler; healthcode/celery.py on the handlers a worker or beat makes (Celery replaces the root
logger's); the Procfile's gunicorn command names `GunicornLogger` (--logger-class), whose
access and error logs are its own.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import unquote_plus

from healthcode.masking import mask_log_text

_TRACEBACKS = logging.Formatter()
# gunicorn's access-log atoms that hold a URL as sent: the request line, the query, the path and
# the Referer. A number in them may be %-encoded or spaced with "+" (a search for
# "+86 138 0000 0001"), which the filter's plain-text rules do not see.
_URL_ATOMS = ("r", "q", "U", "f")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class MaskNumbers(logging.Filter):
    """Masks the message, its traceback and its stack in place; lets every record through."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_log_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        if record.exc_info and not record.exc_text:
            record.exc_text = _TRACEBACKS.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_log_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_log_text(record.stack_info)
        return True


def mask_handlers(logger: logging.Logger) -> None:
    """Put the filter on each of the logger's handlers that lacks it."""
    for handler in logger.handlers:
        if not any(isinstance(existing, MaskNumbers) for existing in handler.filters):
            handler.addFilter(MaskNumbers())


try:
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover (gunicorn is in requirements.txt)
    _GunicornLogger = None
else:

    class GunicornLogger(_GunicornLogger):
        """gunicorn's logger, its access log (the request line with its query, the Referer)
        and its error log masked."""

        def setup(self, cfg) -> None:
            super().setup(cfg)
            for log in (self.error_log, self.access_log):
                mask_handlers(log)

        def atoms(self, resp, req, environ, request_time) -> dict:
            """A URL atom with a number in its decoded form is logged decoded and masked (its
            control characters replaced, so that no one writes a line of their own); the
            others as sent."""
            atoms = super().atoms(resp, req, environ, request_time)
            for key in _URL_ATOMS:
                value = atoms.get(key)
                if not isinstance(value, str) or ("%" not in value and "+" not in value):
                    continue  # nothing encoded: the handlers' filter masks it as it stands
                decoded = unquote_plus(value)
                masked = mask_log_text(decoded)
                if masked != decoded:
                    atoms[key] = _CONTROL.sub("?", masked)
            return atoms
