"""Compile a module, encode an IRI and a CC PDU, decode them back, and show an error.

Run: python examples/compile_and_roundtrip.py
"""

from __future__ import annotations

import datetime

from _handover_module import MODULE

import lawful_intercept


def main() -> None:
    spec = lawful_intercept.compile_string(MODULE)
    print("modules:", dict(spec.modules))
    print("types:", ", ".join(sorted(spec.types)))

    header = {
        "domainId": "1.3.6.1.4.1.32473.1",
        "liid": b"LIID-42",
        "countryCode": "NL",
        "cin": 7,
        "sequenceNumber": 0,
        "timeStamp": datetime.datetime(2026, 11, 30, 12, 0, 0, 250000, tzinfo=datetime.UTC),
    }
    iri = {"header": header, "payload": ("iri", {"event": "sessionStart",
                                                 "targetAddress": bytes([198, 51, 100, 7])})}
    cc = {"header": {**header, "sequenceNumber": 1},
          "payload": ("cc", [{"direction": "toTarget", "packet": b"\x45\x00" + bytes(38)}])}

    for name, pdu in (("IRI", iri), ("CC", cc)):
        data = spec.encode("PDU", pdu)
        back = spec.decode("PDU", data)
        print(f"{name}: {len(data)} bytes: {data.hex()}")
        # The DEFAULT objId comes back filled in; everything else is as sent.
        assert back["header"] == pdu["header"]
        assert back["payload"][0] == pdu["payload"][0]

    bad = {"header": {**header, "countryCode": "NLD"}, "payload": iri["payload"]}
    try:
        spec.encode("PDU", bad)
    except lawful_intercept.EncodeError as exc:
        print("rejected:", exc)


if __name__ == "__main__":
    main()
