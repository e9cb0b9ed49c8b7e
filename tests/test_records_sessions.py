"""Sessions share code (issue 15): opening many sessions of one shape generates code and
compiles templates only for the first; a dropped session frees what it held; the shared
templates write exactly what the general encoder writes for any session's identifiers."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Callable
from typing import Any

import pytest
from _codegen_support import counting_code_generation
from hypothesis import given, settings
from hypothesis import strategies as st

from lawful_intercept import EncodeError
from lawful_intercept.asn1c import Specification
from lawful_intercept.catalog import default_specification
from lawful_intercept.correlation import (
    CINAllocator,
    Clock,
    NetworkIdentifier,
    SequenceCounters,
    SessionIdentity,
)
from lawful_intercept.records import (
    ContentSequenceNumbers,
    EmailRecords,
    HI1Operations,
    HI2Records,
    IASRecords,
    IPAccessRecords,
    IPMMRecords,
    LAESRecords,
    MobileRecords,
    PacketCableRecords,
    PSPDUBuilder,
    PstnIsdnRecords,
    atis_correlation_id,
    communication_identifier,
)

SPEC = default_specification()
T0 = 1_764_504_000_123_456_000
CLOCK = Clock(lambda: T0)
PACKET = b"\x45" + bytes(39)
BASE = SessionIdentity("LIID-SHARED", NetworkIdentifier(b"operator-1", b"bras-07"),
                       authorization_country_code="DE", delivery_country_code="DE")


class Sessions:
    """One process's sessions of one shape, opened over shared counters and allocator."""

    def __init__(self) -> None:
        self.counters = SequenceCounters()
        self.allocator = CINAllocator(secret=b"test")
        self.numbers = ContentSequenceNumbers()

    def builder(self, i: int) -> PSPDUBuilder:
        return PSPDUBuilder(self.allocator.open_session(BASE, i), counters=self.counters,
                            clock=CLOCK)

    def ip_access(self, i: int) -> object:
        records = IPAccessRecords(self.builder(i))
        records.ipcc(PACKET, "fromTarget")
        records.ipcc(PACKET, "toTarget")
        records.ipiri("sessionStart", target_username=f"user{i}", iri_type="iRI-Begin")
        records.builder.keep_alive()
        return records

    def ipmm(self, i: int) -> object:
        records = IPMMRecords(self.builder(i))
        records.cc(PACKET, "fromTarget", stream_id=i)  # a stream of its own: data, not code
        records.cc(PACKET, "toTarget", stream_id=i)
        return records

    def email(self, i: int) -> object:
        records = EmailRecords(self.builder(i))
        records.cc(b"MAIL FROM:<a@b>", direction="toTarget")
        return records

    def pstn(self, i: int) -> object:
        records = PstnIsdnRecords(self.builder(i))
        records.cc(b"\x00" * 160, "fromTarget", cc_link_id=i % 65536)  # the call's own link
        return records

    def mobile(self, i: int) -> object:
        records = MobileRecords(self.builder(i))
        records.upf_cc(PACKET, "fromTarget", qfi=9)
        records.upf_cc(PACKET, "toTarget", qfi=9)
        return records

    def hi2(self, i: int) -> object:
        records = HI2Records(f"LIID-{i}", "OP1", cin=i + 1, clock=CLOCK)
        records.begin()
        records.end()
        return records

    def hi1(self, i: int) -> object:
        operations = HI1Operations(f"LIID-{i}", communication_identifier=communication_identifier(
            "OP1", network_element="10.0.0.1", cin=i + 1), clock=CLOCK)
        builder = self.builder(i)
        builder.hi1(operations.activated())
        return builder, operations

    def packetcable(self, i: int) -> object:
        records = PacketCableRecords(f"case-{i}", "df-1", clock=CLOCK)
        records.ccclose(i + 1, flow_direction="upstream")
        records.ccc(i + 1, PACKET)
        return records

    def laes(self, i: int) -> object:
        records = LAESRecords(f"CASE-{i}", "IAP-1", clock=CLOCK, sequence_numbers=self.numbers)
        records.cc_apdu(PACKET, correlation=atis_correlation_id(b"CORR-%d" % i))
        records.surveillance_status("activation", "fullyActive")
        return records

    def ias(self, i: int) -> object:
        records = IASRecords(f"CASE-{i}", "IAP-1", clock=CLOCK, sequence_numbers=self.numbers)
        records.access_failed(f"subscriber{i}")
        records.cc_apdu(PACKET, correlation=atis_correlation_id(b"CORR-%d" % i))
        return records


BUILDERS = ["ip_access", "ipmm", "email", "pstn", "mobile", "hi2", "hi1", "packetcable",
            "laes", "ias"]


@pytest.mark.parametrize("kind", BUILDERS)
def test_a_thousand_sessions_of_one_shape_generate_code_only_for_the_first(
    kind: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    sessions = Sessions()
    open_session: Callable[[int], object] = getattr(sessions, kind)
    with counting_code_generation(monkeypatch) as seen:
        kept = [open_session(0)]
        first = len(seen.calls)
        kept += [open_session(i) for i in range(1, 1000)]
        later = seen.calls[first:]
    assert later == [], f"sessions 2..1000 of {kind} generated code: {later[:5]}"
    assert len(kept) == 1000


def test_the_first_session_of_a_new_shape_does_generate_code(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The counting is not blind: a shape no session had before (a specification of its own,
    # an interceptionPointID and both time stamps) compiles its templates on its first PDU.
    identity = BASE.with_cin(5)
    spec = Specification(*SPEC.model())
    with counting_code_generation(monkeypatch) as seen:
        builder = PSPDUBuilder(SessionIdentity(
            "LIID-NEW-SHAPE", NetworkIdentifier(b"op"), 5, interception_point_id="IP7"),
            spec=spec, time_stamps="both", clock=CLOCK,
            time_stamp_qualifier="timeOfInterception")
        IPAccessRecords(builder).ipcc(PACKET, "toTarget")
    assert "Specification.template" in seen.calls
    assert identity.cin == 5


def test_builders_of_one_shape_share_templates_and_keep_their_own_octets() -> None:
    sessions = Sessions()
    first, second = sessions.builder(1), sessions.builder(2)
    IPAccessRecords(first).ipcc(PACKET, "toTarget")
    IPAccessRecords(second).ipcc(PACKET, "toTarget")
    key = ("iPCC", "toTarget")
    assert first.template(key, None) is second.template(key, None)
    assert first.header_constants["ids"] != second.header_constants["ids"]


def test_a_dropped_session_frees_what_it_held() -> None:
    sessions = Sessions()
    sessions.ip_access(0)  # the shape's code exists before the sessions below
    records = [IPAccessRecords(sessions.builder(i)) for i in range(1, 50)]
    for r in records:
        r.ipcc(PACKET, "toTarget")
        r.ipcc(PACKET, "fromTarget")
        r.ipiri("sessionStart", target_username="u", iri_type="iRI-Begin")
    builders = [weakref.ref(r.builder) for r in records]
    held = [weakref.ref(r) for r in records]
    del records, r
    gc.collect()
    assert [ref() for ref in held] == [None] * 49
    assert [ref() for ref in builders] == [None] * 49


def test_every_builder_kind_is_freed_when_dropped() -> None:
    sessions = Sessions()
    for kind in BUILDERS:
        opened = getattr(sessions, kind)(1)
        parts = opened if isinstance(opened, tuple) else (opened,)
        refs = [weakref.ref(part) for part in parts]
        del opened, parts
        gc.collect()
        assert [ref() for ref in refs] == [None] * len(refs), kind


def test_no_direction_is_assumed() -> None:
    sessions = Sessions()
    records = IPAccessRecords(sessions.builder(1))
    with pytest.raises(TypeError, match="direction"):
        records.ipcc(PACKET)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="direction"):
        records.ipcc_segmented(PACKET, 10)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="direction"):
        MobileRecords(sessions.builder(2)).upf_cc(PACKET)  # type: ignore[call-arg]
    cdc = PacketCableRecords("case-1", "df-1", clock=CLOCK)
    with pytest.raises(TypeError, match="flow_direction"):
        cdc.ccclose(7)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="flow_direction"):
        cdc.ccopen(7, ("1", "sys-1"))  # type: ignore[call-arg, arg-type]
    with pytest.raises(TypeError, match="flow_direction"):
        cdc.ccchange(("1", "sys-1"), 7)  # type: ignore[call-arg, arg-type]


def test_content_encoder_refuses_a_payload_whose_holes_do_not_match() -> None:
    builder = Sessions().builder(1)
    payload = ("cCPayloadSequence", [{"cCContents": ("iPCC", {
        "iPCCObjId": SPEC.values["iPCCObjId"], "iPCCContents": ("iPPackets", b"fixed")})}])
    with pytest.raises(ValueError, match="Hole\\('content'\\)"):
        builder.content_encoder(("test", "no hole"), payload)


def test_a_bad_identity_is_refused_when_the_builder_is_made() -> None:
    with pytest.raises(EncodeError, match="authorizationCountryCode"):
        PSPDUBuilder(SessionIdentity("LIID-1", NetworkIdentifier(b"op"), 1,
                                     authorization_country_code="DEU"))


_printable = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-", min_size=1)


@settings(max_examples=60, deadline=None)
@given(
    liid=_printable.filter(lambda s: len(s) <= 25),
    operator=st.binary(min_size=1, max_size=16),
    element=st.none() | st.binary(min_size=1, max_size=16),
    cin=st.integers(0, 4294967295),
    country=st.none() | st.sampled_from(["DE", "FR", "NL"]),
    point=st.none() | _printable.filter(lambda s: len(s) <= 8),
    time_stamps=st.sampled_from(["microSecondTimeStamp", "timeStamp", "both"]),
    direction=st.sampled_from(["fromTarget", "toTarget"]),
    packet=st.binary(max_size=300),
    ns=st.integers(0, 253_402_300_799 * 10**9),  # GeneralizedTime ends in year 9999
)
def test_shared_templates_write_what_the_general_encoder_writes(
    liid: str, operator: bytes, element: bytes | None, cin: int, country: str | None,
    point: str | None, time_stamps: Any, direction: str, packet: bytes, ns: int,
) -> None:
    identity = SessionIdentity(liid, NetworkIdentifier(operator, element), cin,
                               authorization_country_code=country,
                               delivery_country_code=country, interception_point_id=point)
    builder = PSPDUBuilder(identity, time_stamps=time_stamps, clock=Clock(lambda: ns))
    ours = IPAccessRecords(builder).ipcc(packet, direction)
    value = SPEC.decode("PS-PDU", ours)
    assert SPEC.encode("PS-PDU", value) == ours
    header = value["pSHeader"]
    expected = {"li-psDomainId": SPEC.values["li-psDomainId"], **identity.ps_header_fields()}
    assert {k: header[k] for k in expected} == expected
    assert header["sequenceNumber"] == 0
    assert ("microSecondTimeStamp" in header) == (time_stamps != "timeStamp")
    assert ("timeStamp" in header) == (time_stamps != "microSecondTimeStamp")
    cc = value["payload"][1][0]
    assert cc["payloadDirection"] == direction
    assert cc["cCContents"][1]["iPCCContents"] == ("iPPackets", packet)


def test_a_dropped_specification_takes_its_shapes_with_it() -> None:
    spec = Specification(*SPEC.model())  # an equal specification of its own
    records = IPAccessRecords(PSPDUBuilder(BASE.with_cin(9), spec=spec, clock=CLOCK))
    pdu = records.ipcc(PACKET, "toTarget")
    assert SPEC.decode("PS-PDU", pdu)["pSHeader"]["communicationIdentifier"][
        "communicationIdentityNumber"] == 9
    HI2Records("LIID-1", "OP1", cin=1, clock=CLOCK, spec=spec).begin()
    gone = weakref.ref(spec)
    del spec, records
    gc.collect()
    assert gone() is None


def test_sessions_of_one_shape_encode_concurrently_each_with_its_identifiers() -> None:
    sessions = Sessions()
    records = [IPAccessRecords(sessions.builder(i)) for i in range(8)]
    records[0].ipcc(PACKET, "toTarget")  # the shape's code exists before the threads start
    out: dict[int, list[bytes]] = {i: [] for i in range(len(records))}

    def send(i: int) -> None:
        for _ in range(300):
            out[i].append(records[i].ipcc(PACKET, "toTarget"))

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(records))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    for i, pdus in out.items():
        cin = records[i].builder.identity.cin
        headers = [SPEC.decode("PS-PDU", pdu)["pSHeader"] for pdu in pdus]
        assert {h["communicationIdentifier"]["communicationIdentityNumber"] for h in headers} \
            == {cin}
        first = 1 if i == 0 else 0
        assert [h["sequenceNumber"] for h in headers] == list(range(first, first + 300))
