"""Rate-limited logging for a server under attack or out of resources.

A LEMF that runs out of file descriptors, or that hundreds of clients fail to authenticate to,
would otherwise write a line (or a traceback) per event: 24,437 tracebacks, 11 MB of log in
20 s were measured. :class:`LogThrottle` writes at most ``lines`` messages of each key per
``interval`` seconds, and then, once the interval is over, one line with the number of
messages it held back.

See ``docs/lemf.md``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from .._checks import require_int, require_number

__all__ = ["LogThrottle"]


class LogThrottle:
    """At most ``lines`` log lines per key and per window of ``interval`` seconds on
    ``logger`` (a window begins with the first line after the last one ended, so any span of
    ``interval`` seconds holds at most twice ``lines``); the lines held back are counted and
    reported as one line when the next window begins (or at :meth:`flush`). ``clock`` gives
    the time in seconds (default ``time.monotonic``)."""

    def __init__(self, logger: logging.Logger, *, lines: int = 5, interval: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.logger = logger
        self.lines = require_int(lines, "lines", low=1)
        self.interval = require_number(interval, "interval", low=0.0, low_open=True)
        self._clock = clock
        self._windows: dict[str, tuple[float, int, int]] = {}  # key -> start, written, held
        self.suppressed = 0
        """Messages held back so far (all keys)."""

    def log(self, key: str, level: int, message: str, *args: Any) -> bool:
        """Log ``message % args`` at ``level`` unless ``key`` has had its ``lines`` in this
        interval; whether it was written."""
        now = self._clock()
        start, written, held = self._windows.get(key, (now, 0, 0))
        if now - start >= self.interval:
            self._report(key, level, held)
            start, written, held = now, 0, 0
        if written < self.lines:
            self._windows[key] = (start, written + 1, held)
            self.logger.log(level, message, *args)
            return True
        self._windows[key] = (start, written, held + 1)
        self.suppressed += 1
        return False

    def flush(self) -> None:
        """Report the messages held back in every key's current interval."""
        for key, (_, _, held) in list(self._windows.items()):
            self._report(key, logging.WARNING, held)
        self._windows.clear()

    def _report(self, key: str, level: int, held: int) -> None:
        if held:
            self.logger.log(level, "%d more %r messages were not logged in the last %.0f s",
                            held, key, self.interval)
