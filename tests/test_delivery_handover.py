"""HI2/HI3 destinations, payload classification, certificate pins and TLS contexts.

The LEMFs are the threaded test LEMF of ``test_delivery_client`` (a ReceiverSession per
connection, every socket operation with a timeout, daemon threads).
"""

from __future__ import annotations

import hashlib
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_args

import pytest
from _misuse import raises_misuse
from _network_support import server_fingerprint
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_delivery_client import LEMF, wait_for

import lawful_intercept
from lawful_intercept.catalog import KIND_OF_PAYLOAD, PayloadKind
from lawful_intercept.certs import TestPKI
from lawful_intercept.correlation import Clock, NetworkIdentifier, SessionIdentity
from lawful_intercept.delivery import (
    DeliveryClient,
    Destination,
    HandoverDelivery,
    HandoverSession,
    PinMismatch,
    Spool,
    TLSConfigError,
    check_pin,
    client_context,
    normalize_pins,
    payload_kind,
)
from lawful_intercept.errors import Error
from lawful_intercept.records import HI1Operations, IPAccessRecords, PSPDUBuilder
from lawful_intercept.testing import values

SPEC = lawful_intercept.bundled()
CLOCK = Clock(lambda: 1_767_225_600_000_000_000)
MF = NetworkIdentifier(b"operator-1", b"mf-1")
HOST = "127.0.0.1"
KINDS = set(get_args(PayloadKind))
# The kind of each Payload alternative, by name (what a full decode tells).
EXPECTED = KIND_OF_PAYLOAD


def decoded_kind(pdu: bytes, spec: Any = SPEC) -> str:
    return EXPECTED.get(spec.decode("PS-PDU", pdu)["payload"][0], "OTHER")


class Records:
    """One communication's builders: IRI, CC, TRI and HI1 PS-PDUs."""

    def __init__(self, spec: Any = SPEC) -> None:
        self.builder = PSPDUBuilder(SessionIdentity("LIID-42", MF, 1234), spec=spec,
                                    clock=CLOCK)
        self.ip = IPAccessRecords(self.builder)
        self.hi1 = HI1Operations("LIID-42", spec=spec, clock=CLOCK)

    def iri(self, n: int = 0) -> bytes:
        return self.ip.ipiri("sessionStart", target_username=f"user-{n}",
                            target_ip=f"192.0.2.{n % 250 + 1}", iri_type="iRI-Begin")

    def cc(self, n: int = 0) -> bytes:
        return self.ip.ipcc(bytes([0x45, 0, 0, 28, n % 256]) + bytes(23), "toTarget")


def session_factory(acknowledgement: str = "negotiate") -> Callable[[], HandoverSession]:
    tri = PSPDUBuilder(SessionIdentity("LIID-TRI", MF, 0), spec=SPEC, clock=CLOCK)
    return lambda: HandoverSession(tri=tri, acknowledgement=acknowledgement,  # type: ignore[arg-type]
                                   ack_every=5, ack_delay=0.05, keep_alive_wait=5.0)


FAST = {"reconnect_initial": 0.05, "reconnect_max": 0.2, "connect_timeout": 3.0,
        "write_timeout": 3.0, "poll_interval": 0.05}


# -- payload_kind -------------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["43", "35"])
def test_the_payload_tags_are_those_of_the_bundled_module(version: str) -> None:
    spec = lawful_intercept.bundled(versions={"102232-1": version})
    tags = {c.name: (c.type.tags[0].cls.value, c.type.tags[0].number)
            for c in spec.get_type("Payload").body.components}
    expected = {"iRIPayloadSequence": (2, 0), "cCPayloadSequence": (2, 1),
                "tRIPayload": (2, 2), "hI1-Operation": (2, 3), "threeGPP-HI1-Operation": (2, 5)}
    if version == "43":
        expected |= {"iLHIPayload": (2, 6), "hI4Payload": (2, 7)}
    assert {name: tags[name] for name in expected} == expected
    records = Records(spec)
    assert payload_kind(records.iri()) == decoded_kind(records.iri(), spec) == "IRI"
    assert payload_kind(records.cc()) == decoded_kind(records.cc(), spec) == "CC"


RECORDS = Records()
TRI_NULLS = ["keep-alive", "keep-aliveResponse", "firstSegmentFlag", "lastSegmentFlag",
             "cINReset", "testPDU", "optionComplete", "pDUAcknowledgementRequest",
             "pDUAcknowledgementResponse"]


@st.composite
def built_pdus(draw: st.DrawFn) -> tuple[str, bytes]:
    records = Records()  # fresh sequence numbers: the same draws give the same octets
    kind = draw(st.sampled_from(["IRI", "CC", "TRI", "HI1"]))
    n = draw(st.integers(0, 10_000))
    if kind == "IRI":
        event = draw(st.sampled_from(["sessionStart", "sessionEnd", "accessAttempt"]))
        user = draw(st.text(st.characters(min_codepoint=33, max_codepoint=126), min_size=1,
                            max_size=40))
        return kind, records.ip.ipiri(event, target_username=user,
                                      target_ip=f"198.51.100.{n % 250 + 1}")
    if kind == "CC":
        packet = draw(st.binary(min_size=1, max_size=300))
        direction = draw(st.sampled_from(["toTarget", "fromTarget"]))
        return kind, records.ip.ipcc(packet, direction)
    if kind == "TRI":
        if draw(st.booleans()):
            return kind, records.builder.tri(("paddingPDU", draw(st.binary(max_size=200))))
        return kind, records.builder.tri((draw(st.sampled_from(TRI_NULLS)), None))
    hi1 = records.hi1
    operation = draw(st.sampled_from(["activated", "deactivated", "modified", "alarm",
                                      "threegpp_activated", "threegpp_deactivated"]))
    if operation == "alarm":
        return kind, records.builder.hi1(hi1.alarm(f"alarm {n}"))
    if operation.startswith("threegpp_"):
        return kind, records.builder.threegpp_hi1(getattr(hi1, operation)())
    return kind, records.builder.hi1(getattr(hi1, operation)())


@given(built_pdus())
@settings(max_examples=150, deadline=None)
def test_payload_kind_of_builder_outputs(case: tuple[str, bytes]) -> None:
    kind, pdu = case
    assert payload_kind(pdu) == kind == decoded_kind(pdu)
    assert payload_kind(bytearray(pdu)) == payload_kind(memoryview(pdu)) == kind


@given(values(SPEC, "PS-PDU", max_depth=5, max_list=2))
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_payload_kind_of_any_ps_pdu(value: Any) -> None:
    pdu = SPEC.encode("PS-PDU", value)
    assert payload_kind(pdu) == EXPECTED.get(value["payload"][0], "OTHER")


def test_payload_kind_reads_indefinite_lengths() -> None:
    pdu = RECORDS.cc()
    assert pdu[0] == 0x30 and pdu[1] < 0x80  # a definite short length to replace
    indefinite = b"\x30\x80" + pdu[2:] + b"\x00\x00"
    assert decoded_kind(indefinite) == "CC"
    assert payload_kind(indefinite) == "CC"


def test_payload_kind_of_other_payloads() -> None:
    header = SPEC.decode("PS-PDU", RECORDS.cc())["pSHeader"]
    container = SPEC.encode("PS-PDU", {"pSHeader": header, "payload": (
        "encryptionContainer", {"encryptionType": "aES-256-CBC", "encryptedPayload": b"x" * 32,
                                "encryptedPayloadType": "part3"})})
    assert payload_kind(container) == "OTHER"


@given(st.binary(max_size=200))
@settings(max_examples=300, deadline=None)
def test_payload_kind_of_garbage_is_other_or_a_kind(data: bytes) -> None:
    assert payload_kind(data) in KINDS


@given(built_pdus(), st.data())
@settings(max_examples=150, deadline=None)
def test_payload_kind_of_damaged_pdus_never_raises(case: tuple[str, bytes], data: st.DataObject
                                                   ) -> None:
    _, pdu = case
    cut = data.draw(st.integers(0, len(pdu)))
    assert payload_kind(pdu[:cut]) in KINDS
    where = data.draw(st.integers(0, len(pdu) - 1))
    flipped = bytearray(pdu)
    flipped[where] ^= data.draw(st.integers(1, 255))
    assert payload_kind(bytes(flipped)) in KINDS


def test_payload_kind_of_truncated_headers_is_other() -> None:
    pdu = RECORDS.iri()
    for cut in range(0, 8):
        assert payload_kind(pdu[:cut]) == "OTHER"
    assert payload_kind(b"") == "OTHER"
    with pytest.raises(TypeError, match="pdu must be bytes"):
        payload_kind("30 00")  # type: ignore[arg-type]


# -- tls.py: pins and contexts ------------------------------------------------------------------


def test_normalize_pins_forms() -> None:
    digest = hashlib.sha256(b"certificate").digest()
    expected = frozenset({digest})
    assert normalize_pins(None) == frozenset()
    assert normalize_pins(digest) == expected
    assert normalize_pins(digest.hex()) == expected
    assert normalize_pins(digest.hex(":").upper()) == expected
    assert normalize_pins([digest.hex(" ")]) == expected
    assert normalize_pins((digest, digest.hex())) == expected
    other = hashlib.sha256(b"other").digest()
    assert normalize_pins([bytearray(digest), other.hex()]) == {digest, other}


@pytest.mark.parametrize(("pins", "where", "rule"), [
    (b"\x01" * 31, "pinned_sha256", "32 bytes, got 31"),
    ("ab" * 31, "pinned_sha256", "64 hex digits, got 62"),
    ([bytes(32), "zz" * 32], r"pinned_sha256\[1\]", "not hex text"),
    ([bytes(32), "abc"], r"pinned_sha256\[1\]", "64 hex digits, got 3"),
    ([bytes(32), 7], r"pinned_sha256\[1\]", "bytes or hex text, got int"),
    ([], "pinned_sha256", "no fingerprint given"),
    (42, "pinned_sha256", "iterable"),
    ("sha256/" + "A" * 43, "pinned_sha256", "public-key pin"),
])
def test_bad_pins_name_the_argument(pins: Any, where: str, rule: str) -> None:
    with pytest.raises(TLSConfigError, match=f"^{where}: .*{rule}") as info:
        normalize_pins(pins)
    assert isinstance(info.value, ValueError) and isinstance(info.value, Error)


def test_check_pin() -> None:
    der = b"0\x03\x02\x01\x05"
    pins = normalize_pins(hashlib.sha256(der).digest())
    check_pin(der, pins)
    check_pin(der, frozenset())  # no pins: nothing to check
    with pytest.raises(PinMismatch, match="pin mismatch") as info:
        check_pin(der + b"!", pins)
    assert info.value.fingerprint == hashlib.sha256(der + b"!").digest()
    assert isinstance(info.value, OSError) and isinstance(info.value, Error)
    with pytest.raises(PinMismatch, match="no certificate"):
        check_pin(None, pins)


def test_client_context_from_files_delivers(pki: TestPKI, spool: Spool, tmp_path: Path) -> None:
    files = pki.write(tmp_path / "pki")
    context = client_context(ca=files.ca, cert=files.client_cert, key=files.client_key)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert not context.options & ssl.OP_IGNORE_UNEXPECTED_EOF  # a TCP close is no proof
    records = [RECORDS.cc(n) for n in range(4)]
    for record in records:
        spool.append(record)
    with LEMF(pki.server_context()) as lemf, \
            DeliveryClient(HOST, lemf.port, spool, session_factory(), ssl_context=context,
                           **FAST) as client:  # type: ignore[arg-type]
        assert wait_for(lambda: spool.stats().queued == 0)
    assert client.stats().acknowledged == 4
    assert lemf.received == records


def test_client_context_without_the_client_certificate_is_refused_by_the_lemf(
        pki: TestPKI, spool: Spool, tmp_path: Path) -> None:
    files = pki.write(tmp_path / "pki")
    context = client_context(ca=files.ca)
    spool.append(RECORDS.cc())
    with LEMF(pki.server_context()) as lemf, \
            DeliveryClient(HOST, lemf.port, spool, session_factory(), ssl_context=context,
                           **FAST) as client:  # type: ignore[arg-type]
        assert wait_for(lambda: client.stats().last_error is not None, 5.0)
    assert lemf.received == [] and spool.stats().queued == 1


def test_client_context_errors_name_the_file(pki: TestPKI, tmp_path: Path) -> None:
    files = pki.write(tmp_path / "pki")
    missing = tmp_path / "nowhere" / "ca.pem"
    with pytest.raises(TLSConfigError, match=f"^ca: {missing}: no such file"):
        client_context(ca=missing)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    with pytest.raises(TLSConfigError, match=f"^ca: {garbage}: not a PEM file"):
        client_context(ca=garbage)
    with pytest.raises(TLSConfigError, match=f"^cert: {garbage}: not a PEM file"):
        client_context(ca=files.ca, cert=garbage, key=files.client_key)
    with pytest.raises(TLSConfigError, match=f"^key: {missing}: no such file"):
        client_context(ca=files.ca, cert=files.client_cert, key=missing)
    with pytest.raises(TLSConfigError, match=f"^ca: {tmp_path}: not a regular file"):
        client_context(ca=tmp_path)
    key_as_ca = files.client_key
    with pytest.raises(TLSConfigError, match=f"^ca: {key_as_ca}: no usable CA certificate"):
        client_context(ca=key_as_ca)
    with pytest.raises(TLSConfigError, match=f"{files.client_cert} with {files.server_key}"):
        client_context(ca=files.ca, cert=files.client_cert, key=files.server_key)
    with pytest.raises(TLSConfigError, match=r"^key: .*without its certificate"):
        client_context(ca=files.ca, key=files.client_key)


# -- pinning in the blocking client -------------------------------------------------------------


def test_blocking_client_with_the_right_pin(pki: TestPKI, spool: Spool) -> None:
    records = [RECORDS.cc(n) for n in range(5)]
    for record in records:
        spool.append(record)
    pin = server_fingerprint(pki).hex(":")
    with LEMF(pki.server_context()) as lemf, \
            DeliveryClient(HOST, lemf.port, spool, session_factory(),
                           ssl_context=pki.client_context(), pinned_sha256=[pin],
                           **FAST) as client:  # type: ignore[arg-type]
        assert wait_for(lambda: spool.stats().queued == 0)
    assert client.stats().last_error is None and client.stats().acknowledged == 5
    assert lemf.received == records


def test_blocking_client_with_a_wrong_pin(pki: TestPKI, spool: Spool) -> None:
    for n in range(5):
        spool.append(RECORDS.cc(n))
    wrong = hashlib.sha256(b"someone else").digest()
    with LEMF(pki.server_context()) as lemf, \
            DeliveryClient(HOST, lemf.port, spool, session_factory(),
                           ssl_context=pki.client_context(), pinned_sha256=wrong,
                           **FAST) as client:  # type: ignore[arg-type]
        assert wait_for(lambda: client.stats().attempts >= 2, 5.0)
        stats = client.stats()
    assert stats.last_error is not None and "pin mismatch" in stats.last_error
    assert stats.connects == 0 and stats.sent == 0
    assert lemf.received == [] and spool.stats().queued == 5


def test_blocking_client_with_a_quiet_tls13_lemf(pki: TestPKI, spool: Spool) -> None:
    """A TLS 1.3 server sends its session tickets after the handshake: the socket becomes
    readable without application data. A LEMF that only answers requests then says nothing
    more; the client must still write its record and acknowledgement request at once."""
    server_context = pki.server_context()
    server_context.minimum_version = ssl.TLSVersion.TLSv1_3
    with LEMF(server_context) as lemf, \
            DeliveryClient(HOST, lemf.port, spool, session_factory("request"),
                           ssl_context=pki.client_context(),
                           **{**FAST, "write_timeout": 30.0}) as client:  # type: ignore[arg-type]
        assert wait_for(lambda: client.stats().connected, 5.0)
        assert wait_for(lambda: lemf.connections == 1, 5.0)
        record = RECORDS.cc(7)
        client.send(record)
        assert wait_for(lambda: spool.stats().queued == 0, 10.0)
        stats = client.stats()
    assert lemf.received == [record]
    assert stats.connects == 1 and stats.last_error is None


def test_blocking_client_refuses_pins_without_tls(spool: Spool) -> None:
    with pytest.raises(ValueError, match="pinned_sha256 needs TLS"):
        DeliveryClient(HOST, 1, spool, session_factory(), ssl_context=None,
                       insecure_plain_tcp=True, pinned_sha256=bytes(32))
    with pytest.raises(TLSConfigError, match=r"^pinned_sha256\[0\]"):
        DeliveryClient(HOST, 1, spool, session_factory(),
                       ssl_context=ssl.create_default_context(), pinned_sha256=["12:34"])


# -- HandoverDelivery ---------------------------------------------------------------------------


def mixed_records() -> list[tuple[str, bytes]]:
    records = Records()
    out: list[tuple[str, bytes]] = []
    for n in range(12):
        out.append(("IRI", records.iri(n)))
        out.append(("CC", records.cc(n)))
        out.append(("CC", records.cc(n + 100)))
        if n % 4 == 0:
            out.append(("TRI", records.builder.cin_reset()))
        if n % 5 == 0:
            out.append(("HI1", records.builder.hi1(records.hi1.activated())))
    return out


def handover(tmp_path: Path, pki: TestPKI, hi2: Destination, hi3: Destination | None,
             **options: Any) -> HandoverDelivery:
    return HandoverDelivery(hi2, hi3, tmp_path / "spools", session_factory(),
                            ssl_context=pki.client_context(),
                            spool_options={"fsync": "never"}, client_options=FAST, **options)


def test_iri_to_hi2_and_cc_to_hi3(pki: TestPKI, tmp_path: Path) -> None:
    records = mixed_records()
    with LEMF(pki.server_context()) as hi2, LEMF(pki.server_context()) as hi3, \
            handover(tmp_path, pki, Destination(HOST, hi2.port),
                     Destination(HOST, hi3.port, server_hostname="localhost")) as delivery:
        routes = [delivery.send(pdu) for _, pdu in records]
        assert delivery.wait_idle(10.0)
        stats = delivery.stats()
    assert [name for name, _ in routes] == ["hi3" if kind == "CC" else "hi2"
                                            for kind, _ in records]
    assert hi2.received == [pdu for kind, pdu in records if kind != "CC"]
    assert hi3.received == [pdu for kind, pdu in records if kind == "CC"]
    assert {decoded_kind(pdu) for pdu in hi2.received} == {"IRI", "TRI", "HI1"}
    assert {decoded_kind(pdu) for pdu in hi3.received} == {"CC"}
    assert set(stats) == {"hi2", "hi3"}
    assert stats["hi2"].acknowledged == len(hi2.received)
    assert stats["hi3"].acknowledged == len(hi3.received)
    assert (tmp_path / "spools" / "hi2").is_dir() and (tmp_path / "spools" / "hi3").is_dir()


def test_send_many_keeps_the_order_of_each_destination(pki: TestPKI, tmp_path: Path) -> None:
    records = mixed_records()
    with LEMF(pki.server_context()) as hi2, LEMF(pki.server_context()) as hi3:
        delivery = handover(tmp_path, pki, Destination(HOST, hi2.port),
                            Destination(HOST, hi3.port, server_hostname="localhost"))
        try:
            routes = delivery.send_many([pdu for _, pdu in records], key="LIID-42")
            stored = {name: [(e.kind, e.data) for e in spool.entries()]
                      for name, spool in delivery.spools.items()}
            delivery.start()
            assert delivery.wait_idle(10.0)
        finally:
            delivery.close()
    assert [name for name, _ in routes] == ["hi3" if kind == "CC" else "hi2"
                                            for kind, _ in records]
    for name in ("hi2", "hi3"):  # ids count up per spool in the order given
        ids = [rid for n, rid in routes if n == name]
        assert ids == list(range(1, len(ids) + 1))
    assert stored["hi2"] == [(kind, pdu) for kind, pdu in records if kind != "CC"]
    assert stored["hi3"] == [(kind, pdu) for kind, pdu in records if kind == "CC"]
    assert hi2.received == [pdu for kind, pdu in records if kind != "CC"]
    assert hi3.received == [pdu for kind, pdu in records if kind == "CC"]


def test_without_hi3_everything_goes_to_hi2(pki: TestPKI, tmp_path: Path) -> None:
    records = mixed_records()
    with LEMF(pki.server_context()) as hi2, \
            handover(tmp_path, pki, Destination(HOST, hi2.port), None) as delivery:
        routes = [delivery.send(pdu) for _, pdu in records]
        assert delivery.wait_idle(10.0)
        assert set(delivery.stats()) == {"hi2"}
    assert {name for name, _ in routes} == {"hi2"}
    assert hi2.received == [pdu for _, pdu in records]
    assert not (tmp_path / "spools" / "hi3").exists()


def test_the_kind_is_stored_with_each_record(pki: TestPKI, tmp_path: Path) -> None:
    records = Records()
    delivery = handover(tmp_path, pki, Destination(HOST, 1), Destination(HOST, 2))
    try:  # not started: the records stay in the spools
        assert delivery.send(records.iri(), key="LIID-42") == ("hi2", 1)
        assert delivery.send(records.cc()) == ("hi3", 1)
        assert delivery.send(records.builder.keep_alive()) == ("hi2", 2)
        assert delivery.send_cc(records.iri(1)) == ("hi3", 2)  # the caller knows better
        assert delivery.send_iri(records.cc(1)) == ("hi2", 3)
        with pytest.raises(ValueError, match="cannot place a record of kind 'OTHER'"):
            delivery.send(b"\x04\x00")  # no PS-PDU: refused, not put on HI2 silently
        with pytest.raises(ValueError, match=r"pdus\[1\]: cannot place"):
            delivery.send_many([records.iri(2), b"\x04\x00"])  # all or nothing
        hi2 = [(e.kind, e.key) for e in delivery.spools["hi2"].entries()]
        hi3 = [(e.kind, e.key) for e in delivery.spools["hi3"].entries()]
    finally:
        delivery.close()
    assert hi2 == [("IRI", b"LIID-42"), ("TRI", b""), ("IRI", b"")]
    assert hi3 == [("CC", b""), ("CC", b"")]
    with Spool(tmp_path / "spools" / "hi3") as reopened:  # released by close()
        assert reopened.stats().queued == 2


def test_a_custom_classifier_routes_other_streams(pki: TestPKI, tmp_path: Path) -> None:
    delivery = handover(tmp_path, pki, Destination(HOST, 1), Destination(HOST, 2),
                        classify=lambda pdu: "CC" if pdu.startswith(b"C") else "IRI")
    with delivery:
        assert delivery.send(b"CCC packet")[0] == "hi3"
        assert delivery.send(b"CDC message")[0] == "hi3"
        assert delivery.send(b"call data")[0] == "hi2"


def test_a_wrong_pin_on_hi3_stops_only_hi3(pki: TestPKI, tmp_path: Path) -> None:
    iri, cc = RECORDS.iri(), RECORDS.cc()
    with LEMF(pki.server_context()) as hi2, LEMF(pki.server_context()) as hi3:
        right = Destination(HOST, hi2.port, pinned_sha256=server_fingerprint(pki).hex())
        wrong = Destination(HOST, hi3.port, pinned_sha256=[bytes(32)])
        with handover(tmp_path, pki, right, wrong) as delivery:
            delivery.send(iri)
            delivery.send(cc)
            assert wait_for(lambda: delivery.spools["hi2"].stats().queued == 0)
            assert wait_for(lambda: delivery.stats()["hi3"].attempts >= 2, 5.0)
            stats = delivery.stats()
            assert not delivery.wait_idle(0.05)
    assert "pin mismatch" in (stats["hi3"].last_error or "")
    assert "pin" not in (stats["hi2"].last_error or "")
    assert hi2.received == [iri] and hi3.received == []


def test_destination_and_option_errors(pki: TestPKI, tmp_path: Path) -> None:
    with raises_misuse(ValueError, "Destination.port", "1..65535, not 0"):
        Destination(HOST, 0)
    with raises_misuse(TypeError, "Destination.port", "int, not str"):
        Destination(HOST, "4000")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"Destination\.host"):
        Destination("", 4000)
    with pytest.raises(TLSConfigError, match=r"^Destination\.pinned_sha256\[0\]"):
        Destination(HOST, 4000, pinned_sha256=["00"])
    pinned = Destination(HOST, 4000, pinned_sha256=bytes(32).hex())
    assert pinned.pinned_sha256 == frozenset({bytes(32)})
    hash(pinned)
    with pytest.raises(ValueError, match="client_options: pinned_sha256, port is set by"):
        HandoverDelivery(Destination(HOST, 1), None, tmp_path, session_factory(),
                         ssl_context=pki.client_context(),
                         client_options={"port": 2, "pinned_sha256": None})
    with raises_misuse(TypeError, "hi3", "must be Destination, not tuple"):
        HandoverDelivery(Destination(HOST, 1), (HOST, 2), tmp_path,  # type: ignore[arg-type]
                         session_factory(), ssl_context=pki.client_context())
    with pytest.raises(ValueError, match="plain TCP"):
        HandoverDelivery(Destination(HOST, 1), None, tmp_path / "refused", session_factory(),
                         ssl_context=None)
    with Spool(tmp_path / "refused" / "hi2"):  # the refused delivery released its spool
        pass
