"""The check every test of API misuse makes: the exact exception type (``TypeError`` or
``ValueError``, not a subclass such as ``EncodeError``) and a message that names the argument
(docs/errors.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest


@contextmanager
def raises_misuse(kind: type[Exception], argument: str, match: str = "") -> Iterator[None]:
    """The block raises exactly ``kind`` with a message that starts with ``argument`` (and
    contains ``match``, a regular expression, if given)."""
    with pytest.raises(kind) as info:
        yield
    assert info.type is kind, f"{info.type.__name__}: {info.value}"
    message = str(info.value)
    assert message.startswith(argument), message
    if match:
        info.match(match)
