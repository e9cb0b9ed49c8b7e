"""Encode one IPCC (ETSI TS 102 232-3 IP packet in a TS 102 232-1 PS-PDU) and decode it back.

The PS-PDU is built twice: by the record builder, which fills in the header from a session
identity, and by `Specification.encode` from a value written out in full. Both give the same
octets, and decoding gives the value back.

Run: python examples/encode_ipcc.py
"""

from __future__ import annotations

from pprint import pprint

import lawful_intercept
from lawful_intercept.correlation import NetworkIdentifier, SessionIdentity
from lawful_intercept.records import IPAccessRecords, PSPDUBuilder

# 2025-11-30T12:00:01.25Z in nanoseconds since the epoch: a fixed time keeps the output stable.
TIME_NS = 1_764_504_001_250_000_000
PACKET = bytes.fromhex("450000280001000040060000c6336407cb007105") + bytes(20)  # IPv4 + TCP


def main() -> None:
    spec = lawful_intercept.bundled()

    identity = SessionIdentity("LIID-42", NetworkIdentifier(b"operator-1", b"bras-07"), 1234,
                               authorization_country_code="NL", delivery_country_code="NL")
    ip = IPAccessRecords(PSPDUBuilder(identity, spec=spec))
    pdu = ip.ipcc(PACKET, "fromTarget", time=TIME_NS)
    print(f"encoded by IPAccessRecords.ipcc: {len(pdu)} octets")
    print(pdu.hex())

    value = spec.decode("PS-PDU", pdu)
    print("decoded:")
    pprint(value, width=120, sort_dicts=False)

    written_out = {
        "pSHeader": {
            "li-psDomainId": spec.values["li-psDomainId"],        # 0.4.0.2.2.5.1.43
            "lawfulInterceptionIdentifier": b"LIID-42",
            "authorizationCountryCode": "NL",
            "communicationIdentifier": {
                "networkIdentifier": {"operatorIdentifier": b"operator-1",
                                      "networkElementIdentifier": b"bras-07"},
                "communicationIdentityNumber": 1234,
                "deliveryCountryCode": "NL",
            },
            "sequenceNumber": 0,                                  # the first CC of (LIID, CIN)
            "microSecondTimeStamp": {"seconds": 1_764_504_001, "microSeconds": 250_000},
        },
        "payload": ("cCPayloadSequence", [{
            "payloadDirection": "fromTarget",
            "cCContents": ("iPCC", {"iPCCObjId": spec.values["iPCCObjId"],   # 5.3.18.2
                                    "iPCCContents": ("iPPackets", PACKET)}),
        }]),
    }
    assert value == written_out
    assert spec.encode("PS-PDU", written_out) == pdu
    print("Specification.encode of the value written out gives the same octets")


if __name__ == "__main__":
    main()
