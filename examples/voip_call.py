"""One VoIP call intercepted twice: as ETSI TS 102 232-5 (SIP IRIs and RTP CC in PS-PDUs)
and as PacketCable (CDC messages and CCC packets), written as BER and pcap and read back.

Run: python examples/voip_call.py [OUT_DIR]
"""

from __future__ import annotations

import struct
import sys
import tempfile
from pathlib import Path

import lawful_intercept
from lawful_intercept.correlation import (
    NetworkIdentifier,
    SequenceCounters,
    SessionIdentity,
)
from lawful_intercept.files import read_ber, read_pcap, write_ber, write_pcap
from lawful_intercept.records import (
    BillingCorrelationId,
    IPMMRecords,
    PacketCableRecords,
    PSPDUBuilder,
    parse_ccc_packet,
)

TARGET = "198.51.100.23"
PEER = "203.0.113.5"


def sip(method_or_status: str, call_id: str = "a84b4c76e66710@pc33.example.nl") -> bytes:
    first = (f"SIP/2.0 {method_or_status}" if method_or_status[0].isdigit()
             else f"{method_or_status} sip:+31207654321@ims.example.nl SIP/2.0")
    return (f"{first}\r\nVia: SIP/2.0/UDP {TARGET}:5060\r\nCall-ID: {call_id}\r\n"
            "CSeq: 314159 INVITE\r\nContent-Length: 0\r\n\r\n").encode()


def rtp(seq: int, ssrc: int) -> bytes:
    return struct.pack("!BBHII", 0x80, 8, seq, seq * 160, ssrc) + bytes(160)


def etsi(out: Path) -> None:
    identity = SessionIdentity("LIID-7", NetworkIdentifier(b"operator-1", b"sbc-03"), 4711,
                               authorization_country_code="NL", delivery_country_code="NL")
    voip = IPMMRecords(PSPDUBuilder(identity, counters=SequenceCounters()))
    pdus = [voip.iri_sip(sip("INVITE"), source=TARGET, destination=PEER,
                         direction="fromTarget", iri_type="iRI-Begin")]
    for status in ("180 Ringing", "200 OK"):
        pdus.append(voip.iri_sip(sip(status), source=PEER, destination=TARGET,
                                 direction="toTarget", iri_type="iRI-Continue"))
    for n in range(100):  # 2 s of PCMA each way, one stream per direction
        pdus.append(voip.cc(rtp(n, 0x1A2B3C4D), "fromTarget", frame_type="rtpFrame",
                            stream_id=0x1A2B3C4D))
        pdus.append(voip.cc(rtp(n, 0x5E6F7A8B), "toTarget", frame_type="rtpFrame",
                            stream_id=0x5E6F7A8B))
    pdus.append(voip.iri_sip(sip("BYE"), source=TARGET, destination=PEER,
                             direction="fromTarget", iri_type="iRI-End"))
    write_ber(out / "voip-etsi.ber", pdus)
    write_pcap(out / "voip-etsi.pcap", pdus)
    spec = lawful_intercept.bundled()
    for source in (read_ber(out / "voip-etsi.ber", spec), read_pcap(out / "voip-etsi.pcap", spec)):
        values = [pdu.value for pdu in source]
        assert len(values) == len(pdus)
        assert {v["pSHeader"]["lawfulInterceptionIdentifier"] for v in values} == {b"LIID-7"}
        iri = [v for v in values if v["payload"][0] == "iRIPayloadSequence"]
        cc = [v for v in values if v["payload"][0] == "cCPayloadSequence"]
        assert [v["pSHeader"]["sequenceNumber"] for v in iri] == list(range(4))
        assert [v["pSHeader"]["sequenceNumber"] for v in cc] == list(range(200))
    print(f"ETSI: {len(pdus)} PS-PDUs (4 SIP IRIs, 200 RTP CC) in voip-etsi.ber/.pcap")


def packetcable(out: Path) -> None:
    records = PacketCableRecords("CASE-2026-0042", "CMS-EAST-1", ccc_layout="ES-DCI-C01",
                                 ccc_case_id=20260042)
    bcid = BillingCorrelationId(1_764_504_000, "CMS-E-01", "0-050000", 4242)
    ccc = 0x00C0FFEE
    cdc = [
        records.origination(bcid, "3035551000", called="3035552000",
                            user_input="3035552000"),
        records.answer(bcid, answering="3035552000"),
        records.ccopen(ccc, bcid, subject_sdp="v=0\r\n", flow_direction="downstream-and-upstream"),
    ]
    ccc_packets = [records.ccc(ccc, rtp(n, 0x1A2B3C4D)) for n in range(100)]
    cdc += [records.release(bcid), records.ccclose(ccc, flow_direction="downstream-and-upstream")]
    write_ber(out / "voip-pcesp-cdc.ber", cdc)
    write_pcap(out / "voip-pcesp-cdc.pcap", cdc)
    # CCC travels as UDP datagrams: here each packet with a 4-octet length before it.
    (out / "voip-pcesp.ccc").write_bytes(
        b"".join(struct.pack("!I", len(p)) + p for p in ccc_packets))
    spec = lawful_intercept.bundled()
    messages = [pdu.value for pdu in read_pcap(out / "voip-pcesp-cdc.pcap", spec, "CdcPdu")]
    assert [m["message"][0] for m in messages] == [
        "origination", "answer", "ccopen", "release", "ccclose"]
    assert {m["message"][1]["caseId"] for m in messages} == {"CASE-2026-0042"}
    assert all(parse_ccc_packet(p, "ES-DCI-C01").ccc_id == ccc for p in ccc_packets)
    print(f"PacketCable: {len(cdc)} CDC messages in voip-pcesp-cdc.ber/.pcap, "
          f"{len(ccc_packets)} CCC packets in voip-pcesp.ccc")


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    etsi(out)
    packetcable(out)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
