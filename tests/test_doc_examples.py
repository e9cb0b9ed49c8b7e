"""The code examples of the README and every guide in docs/ run as written (those that are
complete programs; a block with "..." elides parts, such as files the reader has). Each runs
in a fresh temporary directory, so that files an example writes land nowhere else."""

from __future__ import annotations

import linecache
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md",
        *sorted(p for p in (ROOT / "docs").glob("*.md") if p.name != "api.md")]  # signatures
BLOCKS = [
    (doc, f"<{doc.name}, python block {n}>", block)
    for doc in DOCS
    for n, block in enumerate(
        re.findall(r"```python\n(.*?)```", doc.read_text(encoding="utf-8"), re.S), 1)
    if "..." not in block
]


def test_docs_have_runnable_examples() -> None:
    with_examples = {doc.name for doc, _, _ in BLOCKS}
    assert {"README.md", "records.md", "delivery.md", "x2x3.md", "x1.md",
            "mediation.md", "values.md", "compiler.md"} <= with_examples


@pytest.mark.parametrize(("doc", "where", "code"), BLOCKS,
                         ids=[where for _, where, _ in BLOCKS])
def test_doc_example_runs(doc: Path, where: str, code: str, tmp_path: Path,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    # The block gets its own file name, with its lines in linecache, so that tracebacks and
    # inspect.getsource (which hypothesis uses) show the example's own lines.
    linecache.cache[where] = (len(code), None, code.splitlines(True), where)
    monkeypatch.chdir(tmp_path)
    try:
        exec(compile(code, where, "exec"), {"__name__": "__doc_example__"})
    finally:
        linecache.cache.pop(where, None)
