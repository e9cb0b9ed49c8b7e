"""Error types of the library.

Every error names the path to the field that broke a rule (``PS-PDU.pSHeader.sequenceNumber``)
and the rule itself, so that a mediation engineer can find the offending value at once.
"""

from __future__ import annotations

__all__ = ["CompileError", "DecodeError", "EncodeError", "Error"]


class Error(Exception):
    """Base class of every error this library raises on purpose."""

    def __init__(self, message: str, path: str = "") -> None:
        self.message = message
        self.path = path
        super().__init__(message)

    def prepend(self, segment: str) -> None:
        """Put ``segment`` (a type or member name, or ``[index]``) in front of the path."""
        if not self.path:
            self.path = segment
        elif self.path.startswith("["):
            self.path = segment + self.path
        else:
            self.path = f"{segment}.{self.path}"

    def __str__(self) -> str:
        return self._render()

    def _render(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class EncodeError(Error):
    """A value does not match its ASN.1 type (X.680) or cannot be encoded by BER (X.690).

    ``path`` is the dotted path from the top-level type to the offending field.
    """


class DecodeError(Error):
    """Bytes are not a valid BER encoding of the requested type (X.690).

    ``offset`` is the position in the input (from the start of the outermost PDU) where the
    problem was found.
    """

    def __init__(self, message: str, path: str = "", offset: int | None = None) -> None:
        self.offset = offset
        super().__init__(message, path)

    def _render(self) -> str:
        text = super()._render()
        return f"{text} (at offset {self.offset})" if self.offset is not None else text


class CompileError(Error):
    """An ASN.1 module cannot be compiled (X.680 syntax or reference rules).

    ``filename`` and ``line`` locate the construct; ``construct`` names it.
    """

    def __init__(
        self,
        message: str,
        filename: str | None = None,
        line: int | None = None,
        construct: str = "",
    ) -> None:
        self.filename = filename
        self.line = line
        self.construct = construct
        super().__init__(message)

    def _render(self) -> str:
        where = ""
        if self.filename is not None:
            line = f":{self.line}" if self.line is not None else ""
            where = f"{self.filename}{line}: "
        elif self.line is not None:
            where = f"line {self.line}: "
        what = f"in {self.construct}: " if self.construct else ""
        return f"{where}{what}{self.message}"
