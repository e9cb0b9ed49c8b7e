"""The paced UDP sender of PacketCable CCC packets (issue 11 point 8): the token bucket
(sans-IO, on a fake clock), the datagrams on 127.0.0.1, the refusals."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawful_intercept.delivery import MAX_DATAGRAM, CCCSender, Destination, Pacer

HOST = "127.0.0.1"


@settings(max_examples=60, deadline=None)
@given(rate=st.floats(1.0, 10_000.0), burst=st.integers(1, 50),
       gaps=st.lists(st.floats(0.0, 0.01), min_size=1, max_size=200))
def test_the_pacer_never_exceeds_its_rate(rate: float, burst: int, gaps: list[float]) -> None:
    """However the caller spaces its packets, the k-th packet leaves no earlier than
    (k - burst) / rate after the first."""
    pacer = Pacer(rate, burst)
    now = 0.0
    sent: list[float] = []
    for gap in gaps:
        now += gap
        now += pacer.delay(now)
        sent.append(now)
    for k, at in enumerate(sent):
        assert at - sent[0] >= (k - burst) / rate - 1e-9


def test_no_rate_means_no_delay() -> None:
    pacer = Pacer(None, 1)
    assert all(pacer.delay(0.0) == 0.0 for _ in range(1000))


def test_packets_arrive_as_datagrams_and_pacing_sleeps() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
        receiver.bind((HOST, 0))
        receiver.settimeout(10)
        slept: list[float] = []
        now = [0.0]

        def sleep(seconds: float) -> None:
            slept.append(seconds)
            now[0] += seconds

        packets = [bytes([n]) * (n + 1) for n in range(10)]
        caught: list[int] = []
        destination = Destination(HOST, receiver.getsockname()[1])
        with CCCSender(destination, rate=100.0, burst=4, clock=lambda: now[0],
                       sleep=sleep) as sender:
            assert sender.send_many(packets, caught_up=caught.append) == 10
            stats = sender.stats()
        got = [receiver.recv(2048) for _ in packets]
    assert got == packets  # loopback keeps the order
    assert caught == [4, 8]
    assert stats.packets == 10 and stats.octets == sum(map(len, packets))
    assert len(slept) == 6 and stats.paused == pytest.approx(0.06)  # 4 free, then 1 per 10 ms


def test_refusals() -> None:
    with CCCSender(Destination(HOST, 9)) as sender:
        with pytest.raises(ValueError, match=r"packets\[1\]: a CCC packet must be"):
            sender.send_many([b"ok", b"x" * (MAX_DATAGRAM + 1)])
        with pytest.raises(ValueError, match="got 0"):
            sender.send(b"")
        assert sender.stats().packets == 0
    with pytest.raises(TypeError, match="Destination"):
        CCCSender((HOST, 9))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="rate"):
        Pacer(0, 1)
    with pytest.raises(ValueError, match="burst"):
        Pacer(1.0, 0)


# -- send --ccc FILE --ccc-to HOST:PORT -------------------------------------------------------


def test_send_delivers_the_ccc_packets_over_udp(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    from lawful_intercept.certs import make_test_pki
    from lawful_intercept.cli import main
    from lawful_intercept.lemf import LEMFThread, server_context

    files = make_test_pki().write(tmp_path / "pki")
    stream, ccc = tmp_path / "cdc.ber", tmp_path / "ccc.bin"
    assert main(["generate", "--format", "packetcable", "--records", "120", "--out",
                 str(stream), "--ccc", str(ccc), "--start", "1767225600"]) == 0
    context = server_context(files.server_cert, files.server_key, files.ca)
    with LEMFThread(tmp_path / "lemf", ssl_context=context) as lemf:
        _, port = lemf.listen(HOST, 0, pdu_type="CdcPdu")
        _, udp = lemf.listen_udp(HOST, 0, layout="ES-DCI-C01")
        capsys.readouterr()
        code = main(["send", str(stream), "--to", f"{HOST}:{port}/CdcPdu", "--cert",
                     str(files.client_cert), "--key", str(files.client_key), "--ca",
                     str(files.ca), "--server-name", "localhost", "--ccc", str(ccc),
                     "--ccc-to", f"{HOST}:{udp}", "--ccc-rate", "1000", "--json"])
        out = capsys.readouterr()
        assert code == 0, out.err
        summary = json.loads(out.out.splitlines()[-1])
        sent = summary["ccc"]["packets"]
        assert sent > 0 and summary["ccc"]["proven"] is False
        assert lemf.wait_for(lambda s: s["records"] >= summary["pdus"] + sent, 30)


@pytest.mark.parametrize(("argv", "rule"), [
    (["--ccc-to", "127.0.0.1:9"], "--ccc-to: give the packets with --ccc FILE"),
    (["--ccc", "CCC"], "--ccc: give the collection function's UDP address with --ccc-to"),
    (["--ccc", "CCC", "--ccc-to", "nowhere"], "--ccc-to: 'nowhere': expected HOST:PORT"),
    (["--ccc", "TORN", "--ccc-to", "127.0.0.1:9"], "at offset 0: a packet of 100 octets"),
])
def test_send_ccc_errors_name_the_option(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         argv: list[str], rule: str) -> None:
    from lawful_intercept.cli import main

    stream = tmp_path / "s.ber"
    assert main(["generate", "--format", "packetcable", "--records", "20", "--out",
                 str(stream), "--ccc", str(tmp_path / "CCC")]) == 0
    (tmp_path / "TORN").write_bytes((100).to_bytes(4, "big") + b"short")
    argv = [str(tmp_path / a) if a in ("CCC", "TORN") else a for a in argv]
    capsys.readouterr()
    code = main(["send", str(stream), "--to", "127.0.0.1:9", "--insecure-plain-tcp", *argv])
    err = capsys.readouterr().err
    assert code == 1 and rule in err and "Traceback" not in err, err
