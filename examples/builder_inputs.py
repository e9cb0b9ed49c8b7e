"""Property-based testing of code that builds records, with the builder-input strategies.

``lawful_intercept.testing.values`` draws whatever an ASN.1 type admits; the strategies used
here draw what the record builders accept (ISO 3166-1 country codes, LIIDs, network
identifiers, IP packets with correct checksums). ``spec.prepare`` generates the PS-PDU codecs
before the test, as a service would at start-up. See docs/values.md and docs/compiler.md.
Run: python examples/builder_inputs.py
"""

from __future__ import annotations

from hypothesis import given, settings

import lawful_intercept
from lawful_intercept.correlation import SessionIdentity
from lawful_intercept.records import IPAccessRecords, PSPDUBuilder
from lawful_intercept.testing import ip_packets, session_identities

spec = lawful_intercept.bundled()
generated = spec.prepare(["PS-PDU"])  # no codec code generated during the test below


@settings(max_examples=100, deadline=None)
@given(session_identities(cin=True), ip_packets())
def test_every_packet_reaches_the_pdu_whole(identity: SessionIdentity, packet: bytes) -> None:
    data = IPAccessRecords(PSPDUBuilder(identity, spec=spec)).ipcc(packet, "toTarget")
    pdu = spec.decode("PS-PDU", data)
    assert pdu["pSHeader"]["lawfulInterceptionIdentifier"] == identity.liid.value
    (cc,) = pdu["payload"][1]
    assert cc["cCContents"][1]["iPCCContents"] == ("iPPackets", packet)


if __name__ == "__main__":
    test_every_packet_reaches_the_pdu_whole()
    print(f"prepared {generated} codec functions; 100 identities and IP packets: all delivered "
          "whole")
