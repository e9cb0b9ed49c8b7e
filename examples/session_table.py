"""Many intercepted communications of one target as rows of one SessionTable.

A broadband target opens a RADIUS accounting session after another; each gets its own CIN
from the allocator and a row of the table. The CC of any of them is one call with the row's
index; its IRI goes through a PSPDUBuilder of the row, numbered with the same counters. The
PDUs are the octets the per-session builders would write.
"""

from __future__ import annotations

from lawful_intercept.catalog import default_specification
from lawful_intercept.correlation import (
    CINAllocator,
    NetworkIdentifier,
    SequenceCounters,
    SessionIdentity,
)
from lawful_intercept.records import IPAccessRecords, SessionTable


def main() -> None:
    counters = SequenceCounters()
    allocator = CINAllocator(secret=b"per-deployment secret")
    target = SessionIdentity("LIID-42", NetworkIdentifier(b"operator-1", b"bras-07"),
                             authorization_country_code="DE", delivery_country_code="DE")
    table = SessionTable(counters=counters)

    rows = {}
    for radius_session in ("acct-1", "acct-2", "acct-3"):
        identity = allocator.open_session(target, radius_session)  # its own CIN
        rows[radius_session] = table.open(identity)
        begin = IPAccessRecords(table.builder(rows[radius_session])).ipiri(
            "sessionStart", target_username="sub42@isp.example", iri_type="iRI-Begin")
        print(f"{radius_session}: row {rows[radius_session]}, CIN {identity.cin}, "
              f"IRI-BEGIN {len(begin)} octets")

    packet = b"\x45\x00\x00\x1c" + bytes(24)
    emit = table.ipcc_encoder("fromTarget")  # the leanest per-packet call
    for radius_session in ("acct-2", "acct-1", "acct-2"):
        pdu = emit(rows[radius_session], packet)
        header = default_specification().decode("PS-PDU", pdu)["pSHeader"]
        print(f"{radius_session}: IPCC {len(pdu)} octets, sequenceNumber "
              f"{header['sequenceNumber']}")

    table.close(rows.pop("acct-3"))  # the accounting session stopped: its row is free
    print(f"{len(table)} sessions open; CC numbering kept in the counters:",
          [c["next"]["CC"] for c in counters.save_state()["communications"]])


if __name__ == "__main__":
    main()
