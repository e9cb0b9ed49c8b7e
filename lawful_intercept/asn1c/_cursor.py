"""A cursor over the tokens of an ASN.1 text, and bracket matching (X.680 clause 12).

Shared by the module parser (:mod:`._parser`) and the type parser (:mod:`._type_parser`).
See ``docs/compiler.md``.
"""

from __future__ import annotations

from ..errors import CompileError
from ._lexer import Token

__all__ = [
    "CLOSE_BRACKETS",
    "OPEN_BRACKETS",
    "Cursor",
    "is_lower",
    "is_upper",
    "match_back",
    "match_bracket",
]

OPEN_BRACKETS = {"(": ")", "{": "}", "[": "]"}
CLOSE_BRACKETS = {v: k for k, v in OPEN_BRACKETS.items()}


def is_upper(tok: Token) -> bool:
    """An identifier starting with an upper-case letter: a type or module reference."""
    return tok.kind == "id" and tok.text[0].isupper()


def is_lower(tok: Token) -> bool:
    """An identifier starting with a lower-case letter: a value or member name."""
    return tok.kind == "id" and tok.text[0].islower()


class Cursor:
    """A position in a token list with the usual peek/expect helpers."""

    def __init__(self, tokens: list[Token], start: int, end: int, filename: str | None) -> None:
        self.tokens = tokens
        self.pos = start
        self.end = end
        self.filename = filename

    def error(self, message: str, construct: str = "", tok: Token | None = None) -> CompileError:
        """A compile error at ``tok`` (default: the current token), with the file and line."""
        if tok is None:
            tok = self.tokens[min(self.pos, self.end - 1)] if self.end > 0 else None
        line = tok.line if tok is not None else None
        return CompileError(message, self.filename, line, construct)

    def at_end(self) -> bool:
        """No token is left in the range."""
        return self.pos >= self.end

    def peek(self, ahead: int = 0) -> Token | None:
        """The token ``ahead`` places after the current one, None past the end."""
        i = self.pos + ahead
        return self.tokens[i] if i < self.end else None

    def peek_text(self, ahead: int = 0) -> str:
        """The text of :meth:`peek`, ``""`` past the end."""
        tok = self.peek(ahead)
        return tok.text if tok is not None else ""

    def next(self, construct: str = "") -> Token:
        """Consume and return the current token; an error at the end."""
        if self.pos >= self.end:
            last = self.tokens[self.end - 1] if self.end > 0 else None
            raise self.error("unexpected end of text", construct, last)
        tok = self.tokens[self.pos]
        self.pos += 1
        return tok

    def accept(self, text: str) -> bool:
        """Consume the current token if its text is ``text``."""
        if self.peek_text() == text:
            self.pos += 1
            return True
        return False

    def expect(self, text: str, construct: str = "") -> Token:
        """Consume the current token, which must be ``text``."""
        tok = self.peek()
        if tok is None or tok.text != text:
            found = repr(tok.text) if tok is not None else "end of text"
            raise self.error(f"expected {text!r}, found {found}", construct, tok)
        self.pos += 1
        return tok

    def skip_group(self) -> list[Token]:
        """Consume a balanced bracket group starting at the current token; return it."""
        start = self.pos
        self.pos = match_bracket(self.tokens, self.pos, self.end, self.filename) + 1
        return self.tokens[start : self.pos]


def match_bracket(tokens: list[Token], i: int, end: int, filename: str | None) -> int:
    """Index of the bracket that closes the one at ``i``."""
    stack = [tokens[i].text]
    j = i + 1
    while j < end:
        t = tokens[j].text
        if t in OPEN_BRACKETS:
            stack.append(t)
        elif t in CLOSE_BRACKETS:
            if stack[-1] != CLOSE_BRACKETS[t]:
                raise CompileError(
                    f"{t!r} does not close {stack[-1]!r}", filename, tokens[j].line, "brackets"
                )
            stack.pop()
            if not stack:
                return j
        j += 1
    raise CompileError(f"{tokens[i].text!r} is never closed", filename, tokens[i].line, "brackets")


def match_back(tokens: list[Token], j: int, start: int) -> int:
    """Index of the bracket that opens the one closing at ``j`` (scanning backwards)."""
    depth = 0
    k = j
    while k >= start:
        t = tokens[k].text
        if t in CLOSE_BRACKETS:
            depth += 1
        elif t in OPEN_BRACKETS:
            depth -= 1
            if depth == 0:
                return k
        k -= 1
    return start
