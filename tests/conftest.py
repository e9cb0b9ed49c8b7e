"""Shared fixtures of the test suite.

The reference ASN.1 modules (read-only test oracles, never copied into the repository) live
next to the repository, in ``<repository root>/../shared/reference/asn1``. Every test that
needs them asks for one of the fixtures below, which skip the test when the folder is absent.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

REPOSITORY_ROOT = Path(__file__).resolve().parent.parent
REFERENCE_DIR = REPOSITORY_ROOT.parent / "shared" / "reference" / "asn1"


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """The folder of reference ASN.1 modules; skips the test if it is not there."""
    if not (REFERENCE_DIR / "groups.json").is_file():
        pytest.skip(f"reference ASN.1 modules not found (expected in {REFERENCE_DIR.name!r} "
                    "under ../shared/reference of the repository root)")
    return REFERENCE_DIR


@pytest.fixture(scope="session")
def reference_groups(reference_dir: Path) -> dict[str, list[str]]:
    """groups.json: group name -> files (relative to ``reference_dir``) that compile together."""
    raw = json.loads((reference_dir / "groups.json").read_text(encoding="utf-8"))
    return {name: files for name, files in raw.items() if not name.startswith("_")}


@pytest.fixture(scope="session")
def group_spec(
    reference_dir: Path, reference_groups: dict[str, list[str]]
) -> Callable[[str], Any]:
    """A function compiling one reference group (without the cache), memoised per session."""
    import lawful_intercept

    compiled: dict[str, Any] = {}

    def get(group: str) -> Any:
        if group not in compiled:
            paths = [reference_dir / f for f in reference_groups[group]]
            compiled[group] = lawful_intercept.compile_files(paths, cache=False)
        return compiled[group]

    return get
