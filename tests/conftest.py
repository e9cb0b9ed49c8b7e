"""Shared fixtures of the test suite.

``spec`` (the bundled specification), ``pki`` (a throwaway test PKI whose server certificate
names ``localhost`` and ``127.0.0.1``), ``spool`` (an empty spool without fsync) and
``nats_url`` (a nats-server with JetStream, from ``_cluster_support``) serve every test file
that needs one; a file may still define its own fixture of the same name.

The reference ASN.1 modules (read-only test oracles, never copied into the repository) live
next to the repository, in ``<repository root>/../shared/reference/asn1``. Every test that
needs them asks for one of the fixtures below, which skip the test when the folder is absent.

Hypothesis runs under the ``lawful-intercept`` profile: no deadline and no ``too_slow``
health check. Both are timed: a garbage collection or a loaded machine that makes one example
(or the first draws) slow would fail the test; the work a test may do is bounded by counting
it (``_work_budget``) instead. A test that names its own ``suppress_health_check`` replaces
the profile's list, so it names ``too_slow`` too.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from _cluster_support import NATS_MISSING, NATS_SERVER, nats_server
from hypothesis import HealthCheck, settings

import lawful_intercept
from lawful_intercept.certs import TestPKI, make_test_pki
from lawful_intercept.delivery import Spool

settings.register_profile("lawful-intercept", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("lawful-intercept")

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
    compiled: dict[str, Any] = {}

    def get(group: str) -> Any:
        if group not in compiled:
            paths = [reference_dir / f for f in reference_groups[group]]
            compiled[group] = lawful_intercept.compile_files(paths, cache=False)
        return compiled[group]

    return get


@pytest.fixture(scope="session")
def spec() -> lawful_intercept.Specification:
    """The bundled specification (every handover module, current versions)."""
    return lawful_intercept.bundled()


@pytest.fixture(scope="session")
def pki() -> TestPKI:
    """A test PKI: CA, server certificate for ``localhost`` and ``127.0.0.1``, client
    certificate (made once per session: key generation is slow)."""
    return make_test_pki()


@pytest.fixture
def spool(tmp_path: Path) -> Iterator[Spool]:
    """An empty spool in the test's temporary folder, without fsync (tests need no
    durability against power loss)."""
    with Spool(tmp_path / "spool", fsync="never") as opened:
        yield opened


@pytest.fixture
def nats_url(tmp_path: Path) -> Iterator[str]:
    """The URL of a nats-server with JetStream started for the test, its store and log in the
    test's temporary folder (``_cluster_support.nats_server``); skips the test when the
    nats-server binary is missing."""
    if NATS_SERVER is None:
        pytest.skip(NATS_MISSING)
    with nats_server(tmp_path) as url:
        yield url
