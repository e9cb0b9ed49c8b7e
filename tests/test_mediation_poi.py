"""Properties of what the simulated points of interception send (`poi_pdus`,
`capture_pdus`) and of how `Mediation` names agency destinations: for any size, seed and
capture, the PDUs are numbered, stamped, converted without error, and exactly the target's
packets are sent."""

from __future__ import annotations

import ipaddress
import struct
import uuid

from hypothesis import given, settings
from hypothesis import strategies as st

import lawful_intercept
from lawful_intercept.correlation import NetworkIdentifier
from lawful_intercept.mediation import (
    POI_SCENARIOS,
    AgencyDestination,
    MediationTask,
    X2X3Converter,
    capture_pdus,
    poi_pdus,
)
from lawful_intercept.x2x3 import X2X3Reader, encode_pdus

SPEC = lawful_intercept.bundled()
XID = uuid.UUID("6f0a3c2e-5b1d-4e8a-9c7f-0d2b4a6e8f10")
HOSTS = [ipaddress.IPv4Address(f"192.0.2.{n}") for n in range(1, 5)]


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(POI_SCENARIOS), st.integers(1, 120), st.integers(0, 2**32))
def test_poi_pdus_are_numbered_stamped_and_convert(scenario: str, records: int,
                                                   seed: int) -> None:
    pdus = poi_pdus(scenario, XID, records=records, seed=seed, start_ns=10**18)
    minimum = {"voip": 7, "broadband": 1, "mobile": 4}[scenario]
    assert len(pdus) == max(records, minimum)
    assert [p.sequence_number for p in pdus] == list(range(len(pdus)))
    stamps = [p.timestamp for p in pdus]
    assert all(s is not None for s in stamps)
    assert stamps == sorted(stamps, key=lambda t: (t.seconds, t.nanoseconds))  # type: ignore[union-attr]
    # what a POI sends reads back from the wire and converts without an error
    assert X2X3Reader().feed(encode_pdus(pdus)) == pdus
    converter = X2X3Converter(NetworkIdentifier(b"op", b"mf"), spec=SPEC)
    converter.activate(MediationTask(XID, "LIID-1"))
    records_out = converter.convert_many(pdus, 10**18)
    assert converter.stats.conversion_errors == converter.stats.unsupported_format == 0
    assert converter.stats.converted == len(pdus) == len(records_out)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(HOSTS), st.sampled_from(HOSTS),
                          st.binary(max_size=40)), max_size=30),
       st.sampled_from(HOSTS))
def test_capture_pdus_send_exactly_the_targets_packets(
        packets: list[tuple[ipaddress.IPv4Address, ipaddress.IPv4Address, bytes]],
        target: ipaddress.IPv4Address) -> None:
    raw = [struct.pack(">BBHHHBBH", 0x45, 0, 20 + len(body), 0, 0, 64, 17, 0) + src.packed
           + dst.packed + body for src, dst, body in packets]
    stamped = [(1_800_000_000 + n / 4, p) for n, p in enumerate(raw)]
    pdus = list(capture_pdus(stamped, XID, str(target)))
    wanted = [(p, src == target) for p, (src, dst, _) in zip(raw, packets, strict=True)
              if target in (src, dst)]
    assert [bytes(p.payload) for p in pdus] == [p for p, _ in wanted]
    assert [p.payload_direction for p in pdus] == [3 if f else 2 for _, f in wanted]
    assert [p.sequence_number for p in pdus] == list(range(len(pdus)))


@given(st.ip_addresses(v=6), st.integers(1, 65535))
def test_agency_destination_addresses_are_canonical(address: ipaddress.IPv6Address,
                                                    port: int) -> None:
    destination = AgencyDestination("agency", ((address.exploded.upper(), port),))
    assert destination.addresses == ((str(address), port),)
