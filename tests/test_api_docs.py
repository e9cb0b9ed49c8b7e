"""docs/api.md documents every public name, and the code of the quickstart and the concepts
page runs as written.

1. Every public module of the package (found with ``pkgutil.walk_packages``; a module is
   private when any part of its dotted name starts with ``_``) has a section in
   docs/api.md, a level-2 heading whose code span is the module's name, and every name of its
   ``__all__`` appears in that section as a code span in a heading (``### `Name` ``) or in
   the first cell of a table row (``| `Name` | ...``). A module or name added to the package
   fails here until it is documented; a section for a module that no longer exists fails too.
2. Every ``python`` code block of docs/quickstart.md and docs/concepts.md that is a complete
   program (no ``...`` eliding parts) runs in a fresh namespace. Each block is compiled at its
   line in the page, so tracebacks and ``inspect.getsource`` (which hypothesis uses) point at
   the page itself.
"""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

import lawful_intercept

ROOT = Path(__file__).resolve().parent.parent
API = ROOT / "docs" / "api.md"
RUNNABLE_PAGES = [ROOT / "docs" / "quickstart.md", ROOT / "docs" / "concepts.md"]

_CODE_SPAN = re.compile(r"`([^`]+)`")
_FENCE = re.compile(r"^```python\n(.*?)^```", re.M | re.S)


# --------------------------------------------------------------------------------------------
# 1. API reference


def _raise(name: str) -> None:
    raise ImportError(f"cannot import {name} while walking the package")


def public_module_names() -> list[str]:
    """``lawful_intercept`` and every submodule without a private part in its name."""
    found = ["lawful_intercept"] + [
        info.name
        for info in pkgutil.walk_packages(
            lawful_intercept.__path__, "lawful_intercept.", onerror=_raise
        )
    ]
    return sorted(n for n in found if not any(p.startswith("_") for p in n.split(".")))


def documented_sections(text: str) -> dict[str, set[str]]:
    """Module name -> the names documented in its section of api.md.

    A section starts at a ``## `module` `` heading and ends at the next level-2 heading. A
    name counts as documented when it is a code span in a deeper heading of the section or
    in the first cell of one of its table rows.
    """
    sections: dict[str, set[str]] = {}
    current: set[str] | None = None
    in_code_block = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code_block = not in_code_block
            continue
        if in_code_block:
            continue
        if line.startswith("## "):
            spans = _CODE_SPAN.findall(line)
            if not spans:
                current = None
                continue
            if spans[0] in sections:
                raise AssertionError(f"api.md has two sections for {spans[0]}")
            current = sections[spans[0]] = set()
        elif current is None:
            continue
        elif line.startswith("###"):
            current.update(_CODE_SPAN.findall(line))
        elif line.startswith("|"):
            cells = line.strip().strip("|").split("|")
            # `.member` rows list a class's methods under the class's heading
            current.update(n for n in _CODE_SPAN.findall(cells[0]) if not n.startswith("."))
    return sections


@pytest.fixture(scope="module")
def sections() -> dict[str, set[str]]:
    return documented_sections(API.read_text(encoding="utf-8"))


MODULES = public_module_names()


def test_the_walk_finds_the_package_layers() -> None:
    for name in ("lawful_intercept.asn1c", "lawful_intercept.records",
                 "lawful_intercept.delivery", "lawful_intercept.catalog",
                 "lawful_intercept.testing"):
        assert name in MODULES
    assert not any("._" in name for name in MODULES)


def test_section_parser_reads_headings_and_first_cells() -> None:
    text = "\n".join([
        "## `pkg.a`", "### `f`", "| `CONST` | `7` | not `counted` here |",
        "```python", "### `inside_code`", "```", "text `loose`",
        "## `pkg.b`", "| name | value |", "| `g` |",
    ])
    assert documented_sections(text) == {"pkg.a": {"f", "CONST"}, "pkg.b": {"g"}}


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_name_is_documented(module_name: str,
                                         sections: dict[str, set[str]]) -> None:
    module: ModuleType = importlib.import_module(module_name)
    assert module_name in sections, f"docs/api.md has no section `## \\`{module_name}\\``"
    missing = [n for n in getattr(module, "__all__", ()) if n not in sections[module_name]]
    assert not missing, (
        f"in docs/api.md, the section of {module_name} does not document {missing} "
        "(as `Name` in a heading or in the first cell of a table row)"
    )


def test_no_section_for_a_module_that_does_not_exist(sections: dict[str, set[str]]) -> None:
    assert sorted(set(sections) - set(MODULES)) == []


def test_documented_names_exist(sections: dict[str, set[str]]) -> None:
    stale = {
        module_name: sorted(names - set(getattr(importlib.import_module(module_name),
                                                "__all__", ())))
        for module_name, names in sections.items()
        if module_name in MODULES
    }
    assert {m: n for m, n in stale.items() if n} == {}


# --------------------------------------------------------------------------------------------
# 2. Runnable pages


def code_blocks(page: Path) -> list[tuple[int, str]]:
    """(line number of the block's first line, code) of the complete python blocks."""
    text = page.read_text(encoding="utf-8")
    blocks = []
    for match in _FENCE.finditer(text):
        code = match.group(1)
        if "..." not in code:
            blocks.append((text.count("\n", 0, match.start(1)) + 1, code))
    return blocks


BLOCKS = [(page, line, code) for page in RUNNABLE_PAGES for line, code in code_blocks(page)]


def test_pages_have_runnable_examples() -> None:
    assert {page.name for page, _, _ in BLOCKS} == {p.name for p in RUNNABLE_PAGES}


@pytest.mark.parametrize(("page", "line", "code"), BLOCKS,
                         ids=[f"{page.name}:{line}" for page, line, _ in BLOCKS])
def test_page_example_runs(page: Path, line: int, code: str) -> None:
    exec(compile("\n" * (line - 1) + code, str(page), "exec"), {"__name__": "__doc_example__"})


# --------------------------------------------------------------------------------------------
# 3. The reference is what the generator writes


@pytest.mark.skipif(sys.version_info[:2] != (3, 11),
                    reason="reprs of typing constructs in docs/api.md are those of Python 3.11")
def test_api_reference_is_up_to_date() -> None:
    """docs/api.md is exactly what ``python tools/gen_api_docs.py`` writes: every signature
    and summary in it is the source's."""
    path = ROOT / "tools" / "gen_api_docs.py"
    spec = importlib.util.spec_from_file_location("gen_api_docs", path)
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    assert API.read_text(encoding="utf-8") == generator.render(), (
        "docs/api.md is out of date: run python tools/gen_api_docs.py")
