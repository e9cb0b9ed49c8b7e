"""Complexity guards that count work instead of timing it.

A guard measured in seconds fails when the machine is loaded or when a full garbage
collection lands inside the measured call; these guards count the Python lines the library
executes, which depends only on the input. ``counted_work`` traces frames of the package's
own files and of the code it generates; a ``limit`` turns a runaway call into
``WorkLimitExceeded`` (a ``BaseException``, so no ``except Exception`` in the library can
swallow it) instead of a hang.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import lawful_intercept

_PACKAGE = Path(lawful_intercept.__file__).parent
# The package's folder as its code objects name it (as imported, and with links resolved),
# and the file name of the code it generates.
_PREFIXES = (str(_PACKAGE), str(_PACKAGE.resolve()), "<lawful_intercept")


class WorkLimitExceeded(BaseException):
    """The traced call executed more library lines than its limit allows."""


@dataclass
class Work:
    """Library lines executed inside ``counted_work`` (a function entered counts as one)."""

    lines: int = 0
    limit: int | None = None


def _is_library(filename: str, cache: dict[str, bool]) -> bool:
    known = cache.get(filename)
    if known is None:
        known = filename.startswith(_PREFIXES)
        cache[filename] = known
    return known


@contextmanager
def counted_work(limit: int | None = None) -> Iterator[Work]:
    """Count the library lines executed in this thread while the block runs."""
    work = Work(limit=limit)
    cache: dict[str, bool] = {}
    bound = limit if limit is not None else sys.maxsize

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line":
            work.lines += 1
            if work.lines > bound:
                raise WorkLimitExceeded(f"more than {bound} library lines executed")
        return local

    def calls(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "call" and _is_library(frame.f_code.co_filename, cache):
            work.lines += 1
            return local
        return None

    previous = sys.gettrace()
    sys.settrace(calls)
    try:
        yield work
    finally:
        sys.settrace(previous)
