"""Lexical analysis of ASN.1 module text (X.680 clause 12).

Comments (``--`` to the next ``--`` or end of line, and nested ``/* */``) are dropped; every
token keeps its line so that compile errors can point at it. A non-breaking space (found in the
published TS 101 671 texts) counts as white space. See ``docs/compiler.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import CompileError

__all__ = ["Token", "tokenize"]


@dataclass(frozen=True, slots=True)
class Token:
    """One lexical item: ``kind`` is one of id, num, cstr, bstr, hstr, field, sym."""

    kind: str
    text: str
    line: int

    def __str__(self) -> str:
        return self.text


_SYMBOLS = (
    "::=",
    "...",
    "..",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ",",
    ";",
    "|",
    "^",
    "<",
    ">",
    "@",
    "!",
    ".",
    ":",
    "-",
    "*",
    "=",
)

_TOKEN_RE = re.compile(
    r"""
    (?P<ws>[ \t\r\n\f\v\u00a0]+)
  | (?P<line_comment>--)
  | (?P<block_comment>/\*)
  | (?P<bstr>'[01\s]*'B)
  | (?P<hstr>'[0-9A-Fa-f\s]*'H)
  | (?P<cstr>"(?:[^"]|"")*")
  | (?P<field>&[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*)
  | (?P<id>[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*)
  | (?P<num>\d+)
  | (?P<sym>::=|\.\.\.|\.\.|[{}()\[\],;|^<>@!.:\-*=])
    """,
    re.VERBOSE,
)

# Typographic characters that word processors put into published module texts.
_TRANSLATE = str.maketrans(
    {
        "\u2013": "-",
        "\u2014": "-",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
    }
)


def tokenize(text: str, filename: str | None = None) -> list[Token]:
    """Split module text into tokens, dropping white space and comments."""
    text = text.translate(_TRANSLATE)
    tokens: list[Token] = []
    pos = 0
    line = 1
    n = len(text)
    while pos < n:
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            raise CompileError(
                f"unexpected character {text[pos]!r}", filename, line, "lexical analysis"
            )
        kind = m.lastgroup
        assert kind is not None
        value = m.group()
        if kind == "ws":
            line += value.count("\n")
            pos = m.end()
            continue
        if kind == "line_comment":
            # Ends at the next "--" or at the end of the line (X.680 12.6.3).
            end = pos + 2
            while end < n and text[end] != "\n":
                if text.startswith("--", end):
                    end += 2
                    break
                end += 1
            pos = end
            continue
        if kind == "block_comment":
            opened = line
            depth = 1
            end = pos + 2
            while end < n and depth:
                if text.startswith("/*", end):
                    depth += 1
                    end += 2
                elif text.startswith("*/", end):
                    depth -= 1
                    end += 2
                else:
                    if text[end] == "\n":
                        line += 1
                    end += 1
            if depth:
                raise CompileError(
                    "unterminated /* comment (opened here)", filename, opened, "lexical analysis"
                )
            pos = end
            continue
        tokens.append(Token(kind, value, line))
        line += value.count("\n")
        pos = m.end()
    return tokens
