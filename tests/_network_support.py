"""Helpers of the tests that run LEMFs and senders on 127.0.0.1: bounded waits, free ports,
the server certificate's fingerprint, and a LEMF in a process of its own that can be killed
and started again."""

from __future__ import annotations

import hashlib
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.serialization import Encoding

from lawful_intercept.certs import PKIFiles, TestPKI

HOST = "127.0.0.1"


def wait_for(condition: Callable[[], bool], timeout: float, step: float = 0.02) -> bool:
    """Poll ``condition`` until it holds, at most ``timeout`` seconds; whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def free_port() -> int:
    """A TCP port nothing listens on now (for a LEMF that must come back on the same one)."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        port: int = s.getsockname()[1]
        return port


def server_fingerprint(pki: TestPKI) -> bytes:
    """SHA-256 of the DER of ``pki``'s server certificate (what a pin names), computed here
    rather than by the library's own helper."""
    return hashlib.sha256(pki.server.certificate.public_bytes(Encoding.DER)).digest()


def cli(*argv: str) -> list[str]:
    """The command line of ``lawful-intercept ARGV`` in this interpreter."""
    return [sys.executable, "-m", "lawful_intercept", *argv]


class LEMFProcess:
    """``lawful-intercept lemf`` on fixed ports over TLS with client certificates, started,
    killed with SIGKILL and started again on the same output directory."""

    def __init__(self, out: Path, files: PKIFiles, ports: list[int]) -> None:
        self.out, self.files, self.ports = out, files, ports
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        ready = self.out.parent / f"{self.out.name}-ready-{self.starts}"
        self.starts += 1
        listen = [a for port in self.ports for a in ("--listen", f"{HOST}:{port}")]
        self.process = subprocess.Popen(
            cli("lemf", "--out", str(self.out), *listen, "--cert", str(self.files.server_cert),
                "--key", str(self.files.server_key), "--client-ca", str(self.files.ca),
                "--ready-file", str(ready), "--log-level", "WARNING", "--json",
                "--summary-interval", "0.2"),
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert wait_for(ready.exists, 60), self.output()

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> tuple[int, str]:
        """SIGTERM; the exit status and what it printed (its JSON summary last)."""
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        stdout, _ = self.process.communicate(timeout=60)
        return self.process.returncode, stdout.decode()

    def output(self) -> str:
        if self.process is None or self.process.poll() is None:
            return "(running)"
        assert self.process.stderr is not None
        return self.process.stderr.read().decode(errors="replace")[-3000:]
