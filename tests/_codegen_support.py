"""Counting what generates code, for the tests that sessions share it (issue 15)."""

from __future__ import annotations

import builtins
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from lawful_intercept.asn1c import Specification, Template


class CodeGeneration:
    """Counts what generates code: ``compile``, ``exec`` of source text, template compilation
    (``Specification.template``) and specialization (``Template.specialize``)."""

    def __init__(self) -> None:
        self.calls: list[str] = []


@contextmanager
def counting_code_generation(monkeypatch: pytest.MonkeyPatch) -> Iterator[CodeGeneration]:
    seen = CodeGeneration()
    real_compile, real_exec = builtins.compile, builtins.exec
    real_template, real_specialize = Specification.template, Template.specialize

    def counting_compile(source: Any, *args: Any, **kwargs: Any) -> Any:
        seen.calls.append("compile")
        return real_compile(source, *args, **kwargs)

    def counting_exec(source: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(source, str | bytes):
            seen.calls.append("exec of source")
        return real_exec(source, *args, **kwargs)

    def counting_template(self: Specification, *args: Any, **kwargs: Any) -> Template:
        seen.calls.append("Specification.template")
        return real_template(self, *args, **kwargs)

    def counting_specialize(self: Template, *args: Any, **kwargs: Any) -> Any:
        seen.calls.append("Template.specialize")
        return real_specialize(self, *args, **kwargs)

    monkeypatch.setattr(builtins, "compile", counting_compile)
    monkeypatch.setattr(builtins, "exec", counting_exec)
    monkeypatch.setattr(Specification, "template", counting_template)
    monkeypatch.setattr(Template, "specialize", counting_specialize)
    try:
        yield seen
    finally:
        monkeypatch.undo()
