"""The README's code examples run as written (those that are complete programs)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
# A block with "..." elides parts (illustrating files the reader has); it cannot run alone.
RUNNABLE = [b for b in BLOCKS if "..." not in b]


def test_readme_has_runnable_examples() -> None:
    assert len(RUNNABLE) >= 2


@pytest.mark.parametrize("code", RUNNABLE, ids=lambda c: c.splitlines()[1][:40])
def test_readme_example_runs(code: str) -> None:
    exec(compile(code, str(README), "exec"), {})
