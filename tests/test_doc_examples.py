"""The code examples of the README and the guides run as written (those that are complete
programs; a block with "..." elides parts, such as files the reader has)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", ROOT / "docs" / "records.md"]
BLOCKS = [
    (doc, block)
    for doc in DOCS
    for block in re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    if "..." not in block
]


def test_docs_have_runnable_examples() -> None:
    assert {doc.name for doc, _ in BLOCKS} == {"README.md", "records.md"}


@pytest.mark.parametrize(("doc", "code"), BLOCKS,
                         ids=lambda x: x.name if isinstance(x, Path) else "")
def test_doc_example_runs(doc: Path, code: str) -> None:
    exec(compile(code, str(doc), "exec"), {})
