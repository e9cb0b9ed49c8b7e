"""Helpers of the test LEMF's tests: records to send, raw connections, bounded waits."""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import lawful_intercept
from lawful_intercept.correlation import Clock, NetworkIdentifier, SessionIdentity
from lawful_intercept.lemf import LEMFThread
from lawful_intercept.records import IPAccessRecords, PSPDUBuilder
from lawful_intercept.stream import PDUReader

SPEC = lawful_intercept.bundled()
CLOCK = Clock(lambda: 1_767_225_600_000_000_000)
MF = NetworkIdentifier(b"operator-1", b"mf-1")
HOST = "127.0.0.1"
TIMEOUT = 10.0
PACKET = b"\x45\x00\x00\x1c" + bytes(24)


# -- shared code ---------------------------------------------------------------------------------


def builder(liid: str = "LIID-42", cin: int = 1234) -> PSPDUBuilder:
    return PSPDUBuilder(SessionIdentity(liid, MF, cin), spec=SPEC, clock=CLOCK)


def cc_records(n: int, *, liid: str = "LIID-42", cin: int = 1234) -> list[bytes]:
    ip = IPAccessRecords(builder(liid, cin))
    return [ip.ipcc(PACKET[:-1] + bytes([i % 256]), "toTarget") for i in range(n)]


def wait_until(condition: Callable[[], bool], timeout: float = TIMEOUT) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return condition()


def connect(port: int, context: ssl.SSLContext | None) -> socket.socket:
    raw = socket.create_connection((HOST, port), timeout=TIMEOUT)
    if context is None:
        return raw
    try:
        return context.wrap_socket(raw, server_hostname=HOST)
    except BaseException:
        raw.close()
        raise


def send(port: int, context: ssl.SSLContext | None, data: bytes) -> None:
    """Write ``data`` over one connection and close it cleanly: shut down the sending side,
    then read until the LEMF closes (closing with unread octets, a TLS 1.3 session ticket
    say, would reset the connection and could discard what the LEMF had not read yet)."""
    with contextlib.closing(connect(port, context)) as sock:
        sock.sendall(data)
        sock.shutdown(socket.SHUT_WR)
        assert closed_by_peer(sock)


def closed_by_peer(sock: socket.socket, timeout: float = TIMEOUT) -> bool:
    """Whether the peer closes ``sock`` within ``timeout`` (answers are read and dropped)."""
    deadline = time.monotonic() + timeout
    sock.settimeout(0.2)
    while time.monotonic() < deadline:
        try:
            if not sock.recv(65536):
                return True
        except TimeoutError:
            continue
        except (OSError, ssl.SSLError):
            return True
    return False


def ber_pdus(path: Path) -> list[bytes]:
    """The complete PDUs of a file (a partial one at the end is ignored)."""
    reader = PDUReader()
    return [pdu.raw for pdu in reader.feed(path.read_bytes())]


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("ascii").splitlines()]


@contextlib.contextmanager
def plain_lemf(out: Path, **options: Any) -> Iterator[tuple[LEMFThread, int]]:
    with LEMFThread(out, insecure_plain_tcp=True, **options) as lemf:
        _, port = lemf.listen()
        yield lemf, port
