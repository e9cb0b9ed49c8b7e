"""A target's broadband session as a TS 102 232 handover stream, written as BER and pcap.

The session: the target logs on (IPIRI sessionStart with its address), sends and receives IP
packets (IPCC, both directions, one of them too large for one PDU and sent in segments), and
logs off (IPIRI sessionEnd). The stream is read back from both files and checked.

Run: python examples/broadband_session.py [OUT_DIR]
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

import lawful_intercept
from lawful_intercept.correlation import (
    CINAllocator,
    NetworkIdentifier,
    SequenceCounters,
    SessionIdentity,
)
from lawful_intercept.files import read_ber, read_pcap, write_ber, write_pcap
from lawful_intercept.records import IPAccessRecords, PSPDUBuilder, Reassembler


def main(out: Path) -> None:
    spec = lawful_intercept.bundled()
    intercept = SessionIdentity(
        "LIID-42",
        NetworkIdentifier(b"operator-1", b"bras-07"),
        authorization_country_code="NL",
        delivery_country_code="NL",
    )
    # The RADIUS Acct-Session-Id gives the CIN: the same session gets the same CIN again.
    cins = CINAllocator()
    identity = cins.open_session(intercept, "acct-session-7f3a9c")
    builder = PSPDUBuilder(identity, counters=SequenceCounters())
    ip = IPAccessRecords(builder)

    rng = random.Random(42)
    user = "subscriber42@isp.example"
    pdus = [ip.ipiri("sessionStart", target_username=user, access_type="xDSL",
                     target_ip="198.51.100.7", iri_type="iRI-Begin")]
    for _ in range(200):
        size = rng.choice((40, 52, 576, 1400))
        direction = rng.choice(("toTarget", "fromTarget"))
        pdus.append(ip.ipcc(bytes(rng.randrange(256) for _ in range(size)), direction))
    jumbo = bytes(rng.randrange(256) for _ in range(9000))
    pdus.extend(ip.ipcc_segmented(jumbo, max_segment=1400, direction="toTarget"))
    pdus.append(ip.ipiri("sessionEnd", target_username=user, access_type="xDSL",
                         target_ip="198.51.100.7", iri_type="iRI-End",
                         endReason="regularLogoff"))

    out.mkdir(parents=True, exist_ok=True)
    write_ber(out / "broadband.ber", pdus)
    write_pcap(out / "broadband.pcap", pdus)
    print(f"{len(pdus)} PDUs, CIN {identity.cin}: {out / 'broadband.ber'}, "
          f"{out / 'broadband.pcap'}")

    for name, source in (("BER", read_ber(out / "broadband.ber", spec)),
                         ("pcap", read_pcap(out / "broadband.pcap", spec))):
        decoded = [pdu.value for pdu in source]
        assert len(decoded) == len(pdus) and all(v is not None for v in decoded)
        kinds: dict[str, list[int]] = {}
        reassembler = Reassembler()
        whole = []
        for value in decoded:
            header = value["pSHeader"]
            assert header["lawfulInterceptionIdentifier"] == b"LIID-42"
            assert header["communicationIdentifier"]["communicationIdentityNumber"] == (
                identity.cin
            )
            kinds.setdefault(value["payload"][0], []).append(header["sequenceNumber"])
            if (done := reassembler.add(value)) is not None:
                whole.append(done.data)
        for kind, numbers in kinds.items():
            assert numbers == list(range(len(numbers))), kind  # gapless per kind
        assert whole == [jumbo]
        print(f"read back from {name}: " + ", ".join(
            f"{len(n)} {k}" for k, n in sorted(kinds.items())) + "; segmented packet whole")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(Path(sys.argv[1]))
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(Path(tmp))
