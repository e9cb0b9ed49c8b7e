"""The ``poi`` and ``mediate`` commands: a network element's X2/X3 (built-in scenarios and a
capture) to a listener over mutual TLS; the configuration file's errors, each naming the key;
and ``mediate`` running the whole chain on loopback (HI-1 in, X1 out, X2/X3 in, HI2/HI3 to
the test LEMF)."""

from __future__ import annotations

import asyncio
import socket
import struct
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

import lawful_intercept
from lawful_intercept.certs import TestPKI, make_warrant_pki
from lawful_intercept.cli import main
from lawful_intercept.cli._common import CLIError
from lawful_intercept.cli._demo_chain import HANDOVERS
from lawful_intercept.cli._mediate import load_config
from lawful_intercept.correlation import NetworkIdentifier
from lawful_intercept.lemf import LEMFThread
from lawful_intercept.mediation import MediationTask, X2X3Converter, capture_pdus, poi_pdus
from lawful_intercept.warrants import (
    AuthorisationObject,
    DeliveryAddress,
    DeliveryDestination,
    EndpointID,
    HI1Client,
    IPAddressPort,
    TargetIdentifierValue,
    approve,
    sign_message,
    warrant_request,
    write_message,
)
from lawful_intercept.x1 import X1Handler, X1Server
from lawful_intercept.x2x3 import X2X3PDU, NetworkElement, X2X3Listener

TIMEOUT = 60.0


@contextmanager
def listener(pki: TestPKI) -> Iterator[tuple[int, list[X2X3PDU]]]:
    """An X2/X3 listener on loopback in its own thread; the PDUs it consumed."""
    received: list[X2X3PDU] = []
    ready = threading.Event()
    port: list[int] = []
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def consume(pdu: X2X3PDU, element: NetworkElement) -> None:
        received.append(pdu)

    async def serve() -> None:
        async with X2X3Listener(consume, pki.server_context()) as server:
            port.append(server.port)
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),))
    thread.start()
    try:
        assert ready.wait(TIMEOUT)
        yield port[0], received
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(TIMEOUT)
        loop.close()


def tls_args(folder: Path, pki: TestPKI) -> list[str]:
    files = pki.write(folder)
    return ["--cert", str(files.client_cert), "--key", str(files.client_key),
            "--ca", str(files.ca), "--server-name", "localhost"]


@pytest.mark.parametrize("scenario", ["voip", "broadband", "mobile"])
def test_poi_sends_a_scenario(scenario: str, pki: TestPKI, tmp_path: Path,
                              capsys: pytest.CaptureFixture[str]) -> None:
    xid = uuid.uuid4()
    with listener(pki) as (port, received):
        code = main(["poi", "--scenario", scenario, "--to", f"127.0.0.1:{port}",
                     "--xid", str(xid), "--records", "30", "--json",
                     *tls_args(tmp_path, pki)])
        out = capsys.readouterr().out
        assert code == 0, out
        # acknowledged: the listener consumed every PDU before poi returned
        assert len(received) == 30 and {p.xid for p in received} == {xid}
    summary = out.strip().splitlines()[-1]
    assert '"acknowledged":true' in summary and '"sent":30' in summary
    formats = {p.payload_format for p in received}
    assert formats == {"voip": {8, 9}, "broadband": {5}, "mobile": {6, 9}}[scenario]


def raw_pcap(path: Path, packets: list[bytes]) -> None:
    """A classic pcap of link type 101 (raw IP)."""
    data = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101)
    for n, packet in enumerate(packets):
        data += struct.pack("<IIII", 1_800_000_000 + n, 0, len(packet), len(packet)) + packet
    path.write_bytes(data)


def ipv4(src: str, dst: str, size: int = 60) -> bytes:
    return (bytes([0x45, 0]) + size.to_bytes(2, "big") + bytes(5) + bytes([17]) + bytes(2)
            + socket.inet_aton(src) + socket.inet_aton(dst) + bytes(size - 20))


def test_poi_sends_the_targets_packets_of_a_capture(pki: TestPKI, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    packets = [ipv4("198.51.100.7", "203.0.113.1"), ipv4("203.0.113.1", "198.51.100.7"),
               ipv4("192.0.2.1", "192.0.2.2"),  # neither end is the target: not sent
               bytes([0x60]) + bytes(39)]  # IPv6: another version than the target's
    raw_pcap(tmp_path / "c.pcap", packets)
    xid = uuid.uuid4()
    with listener(pki) as (port, received):
        code = main(["poi", "--pcap", str(tmp_path / "c.pcap"), "--target-ip", "198.51.100.7",
                     "--to", f"127.0.0.1:{port}", "--xid", str(xid),
                     *tls_args(tmp_path, pki)])
        assert code == 0, capsys.readouterr()
    assert [bytes(p.payload) for p in received] == packets[:2]
    assert [p.payload_direction for p in received] == [3, 2]  # from, to the target
    assert [p.payload_format for p in received] == [5, 5]
    assert received[0].timestamp is not None and received[0].timestamp.seconds == 1_800_000_000


def test_capture_pdus_ipv6_and_bad_target() -> None:
    target = bytes.fromhex("20010db8000000000000000000000007")
    other = bytes(16)
    packet = bytes([0x60]) + bytes(7) + target + other + b"data"
    pdus = list(capture_pdus([(1.5, packet), (2.0, bytes([0x60]) + bytes(7) + other * 2)],
                             uuid.uuid4(), "2001:db8::7"))
    assert len(pdus) == 1 and pdus[0].payload_format == 6 and pdus[0].payload_direction == 3
    with pytest.raises(ValueError):
        list(capture_pdus([], uuid.uuid4(), "not-an-address"))


@pytest.mark.parametrize(("arguments", "message"), [
    (["--scenario", "voip"], "give --cert and --key"),
    (["--pcap", "x.pcap", "--insecure-plain-tcp"], "--pcap needs --target-ip"),
    (["--scenario", "voip", "--target-ip", "1.2.3.4", "--insecure-plain-tcp"],
     "--target-ip goes with --pcap"),
    (["--pcap", "missing.pcap", "--target-ip", "nope", "--insecure-plain-tcp"],
     "--target-ip: 'nope' is not an IPv4 or IPv6 address"),
])
def test_poi_errors(arguments: list[str], message: str,
                    capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["poi", "--to", "127.0.0.1:9", *arguments]) == 1
    assert message in capsys.readouterr().err


def test_poi_scenarios_are_stamped_and_numbered() -> None:
    xid = uuid.uuid4()
    for scenario in ("voip", "broadband", "mobile"):
        pdus = poi_pdus(scenario, xid, records=20, start_ns=10**18)
        assert len(pdus) == 20
        assert [p.sequence_number for p in pdus] == list(range(20))
        assert all(p.timestamp is not None for p in pdus)
    with pytest.raises(ValueError, match="scenario"):
        poi_pdus("fax", xid)


# -- mediate: the configuration file -------------------------------------------------------

GOOD = """\
[mediation]
operator_id = "operator-1"
network_element_id = "mf-01"
book = "warrants.db"
spool = "spool"

[tls]
cert = "server.pem"
key = "server.key"
ca = "ca.pem"

[x2x3]
listen = "127.0.0.1:6100"

[[destination]]
name = "agency"
hi2 = "127.0.0.1:6001"
hi3 = "127.0.0.1:6002"

[[network_element]]
name = "NE-1"
x1 = "127.0.0.1:8443"
"""


@pytest.mark.parametrize(("change", "message"), [
    (lambda t: t.replace('[x2x3]\nlisten = "127.0.0.1:6100"', '[x2x3]\nlisten = "nowhere"'),
     "[x2x3] listen: must be HOST:PORT"),
    (lambda t: t + "\n[extra]\n", "[extra]: unknown table"),
    (lambda t: t.replace("spool = \"spool\"", "spool = \"spool\"\nsync_every = 1"),
     "[mediation] sync_every: unknown key"),
    (lambda t: t.replace("spool = \"spool\"", "spool = \"spool\"\nsync_interval = 0"),
     "[mediation] sync_interval: must be a number of seconds > 0"),
    (lambda t: t.replace('book = "warrants.db"\n', ""), "[mediation] book: missing"),
    (lambda t: t.replace('hi3 = "127.0.0.1:6002"', 'hi3 = "127.0.0.1:6002"\nformat = "X"'),
     "[[destination]] #1 format: must be one of ETSI, ATIS, PacketCable, got 'X'"),
    (lambda t: t + '\n[[network_element]]\nname = "NE-1"\nx1 = "127.0.0.1:1"\n',
     "[[network_element]] #2 name: 'NE-1' is used twice"),
    (lambda t: t.split("[[destination]]")[0], "[[destination]]: give at least one"),
    (lambda t: t + '\n[hi1]\nlisten = "127.0.0.1:1"\nidentity = "CSP01"\ntrust = ["a.pem"]\n'
               'approvers = ["b.pem"]\n', "[hi1] identity: must be \"COUNTRY/UNIQUE-ID\""),
    (lambda t: t.replace("[tls]", "[tls"), "not TOML"),
])
def test_mediate_config_errors_name_the_key(change: object, message: str,
                                            tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(change(GOOD))  # type: ignore[operator]
    with pytest.raises(CLIError) as caught:
        load_config(path)
    assert message in str(caught.value) and str(path) in str(caught.value)


def test_mediate_config_reads(tmp_path: Path) -> None:
    path = tmp_path / "m.toml"
    path.write_text(GOOD)
    config = load_config(path)
    assert config.x2x3["listen"] == ("127.0.0.1", 6100)
    assert config.tls["ca"] == tmp_path.resolve() / "ca.pem"  # relative to the file
    assert config.destinations[0]["format"] == "ETSI"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def expected_records(handover: str, records: int) -> int:
    """The records the mediation makes of ``poi --scenario voip --records N`` (and the
    activation's HI1 notification), counted by a converter here."""
    converter = X2X3Converter(NetworkIdentifier(b"operator-1", b"mf-01"),
                              spec=lawful_intercept.bundled())
    xid = uuid.uuid4()
    out = converter.activate(MediationTask(xid, "LIID-CLI",
                                           handover_format=handover))  # type: ignore[arg-type]
    return len(out) + len(converter.convert_many(poi_pdus("voip", xid, records=records),
                                                 time.time_ns()))


@pytest.mark.parametrize("handover", ["ETSI", "ATIS", "PacketCable"])
def test_mediate_runs_the_chain(handover: str, pki: TestPKI, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    pki.write(tmp_path / "tls")
    warrants = make_warrant_pki()
    (tmp_path / "authority.pem").write_bytes(warrants.authority_ca.cert_pem)
    (tmp_path / "court.pem").write_bytes(warrants.court_ca.cert_pem)
    activated = threading.Event()
    tasked: list[uuid.UUID] = []

    def on_task(event: str, details: object) -> None:
        if event == "activated":
            tasked.append(details.xid)  # type: ignore[attr-defined]
            activated.set()

    hi1_port, x2x3_port = free_port(), free_port()
    now = datetime.now(UTC).replace(microsecond=0)
    with LEMFThread(tmp_path / "lemf", ssl_context=pki.server_context(),
                    summary_interval=0.1) as lemf, \
            X1Server(X1Handler("NE-1", on_task=on_task), pki.server_context()) as ne:
        hi2_type, hi3_type, _ = HANDOVERS[{"ETSI": "etsi", "ATIS": "atis",
                                           "PacketCable": "packetcable"}[handover]]
        hi2 = lemf.listen(name="hi2", pdu_type=hi2_type)
        hi3 = (lemf.listen(name="hi3", pdu_type=hi3_type) if hi3_type else
               lemf.listen_udp(name="ccc", layout="ESP-I01"))
        (tmp_path / "m.toml").write_text(f"""\
[mediation]
operator_id = "operator-1"
network_element_id = "mf-01"
book = "warrants.db"
spool = "spool"
sync_interval = 0.2

[tls]
cert = "tls/server.pem"
key = "tls/server.key"
ca = "tls/ca.pem"
client_cert = "tls/client.pem"
client_key = "tls/client.key"

[x2x3]
listen = "127.0.0.1:{x2x3_port}"

[hi1]
listen = "127.0.0.1:{hi1_port}"
identity = "XX/CSP01"
trust = ["authority.pem"]
approvers = ["court.pem"]

[[destination]]
name = "agency"
hi2 = "{hi2[0]}:{hi2[1]}"
hi3 = "{hi3[0]}:{hi3[1]}"
format = "{handover}"
server_name = "localhost"

[[network_element]]
name = "NE-1"
x1 = "127.0.0.1:{ne.port}"
server_name = "localhost"
""")
        codes: list[int] = []
        thread = threading.Thread(target=lambda: codes.append(main(
            ["mediate", "--config", str(tmp_path / "m.toml"), "--run-for", "12", "--json"])))
        thread.start()
        try:
            request = warrant_request(
                liid="LIID-CLI", targets=[TargetIdentifierValue("ETSI", "InternationalE164",
                                                                "442079460223")],
                destinations=[DeliveryDestination(DeliveryAddress(
                    "IPAddressPort", IPAddressPort(hi2[0], hi2[1])))],
                start=now - timedelta(minutes=5), end=now + timedelta(days=1), now=now,
                sender=EndpointID("XX", "AGENCY01"), receiver=EndpointID("XX", "CSP01"))
            authorisation = next(o for o in request.objects()
                                 if isinstance(o, AuthorisationObject))
            signed = sign_message(
                approve(write_message(request), authorisation.object_identifier,
                        warrants.judge.key, [warrants.judge.certificate]),
                warrants.issuer.key, [warrants.issuer.certificate])
            client = HI1Client("localhost", hi1_port, pki.client_context())
            answer = None
            for _ in range(100):  # until the endpoint listens
                try:
                    answer = client.post(signed)
                    break
                except Exception:
                    threading.Event().wait(0.1)
            assert answer is not None and b"CREATEResponse" in answer
            assert activated.wait(TIMEOUT)
            assert main(["poi", "--scenario", "voip", "--to", f"127.0.0.1:{x2x3_port}",
                         "--xid", str(tasked[0]), "--records", "20",
                         *tls_args(tmp_path / "poi", pki)]) == 0
            expected = expected_records(handover, 20)
            assert lemf.wait_for(lambda s: s["records"] >= expected, TIMEOUT)
        finally:
            thread.join(TIMEOUT)
        summary = lemf.summary()
    assert codes == [0]
    assert summary["records"] == expected and summary["sequence_gaps"] == 0
    assert summary["decode_errors"] == 0
    assert '"x2x3_pdus":20' in capsys.readouterr().out
