"""Encode a stream of CC PDUs with a template: fixed header parts encoded once.

Run: python examples/cc_template.py
"""

from __future__ import annotations

import time

from _handover_module import MODULE

import lawful_intercept
from lawful_intercept import Hole


def main() -> None:
    spec = lawful_intercept.compile_string(MODULE)
    template = spec.template(
        "PDU",
        {
            "header": {
                "domainId": "1.3.6.1.4.1.32473.1",
                "liid": b"LIID-42",
                "cin": 7,
                "sequenceNumber": Hole("seq"),
            },
            "payload": ("cc", [{"direction": Hole("direction"), "packet": Hole("packet")}]),
        },
    )
    print(template)
    packets = [bytes(n) for n in (40, 60, 576, 1400, 1500)]
    first = template.encode(seq=0, direction="toTarget", packet=packets[0])
    same = spec.encode("PDU", {
        "header": {"domainId": "1.3.6.1.4.1.32473.1", "liid": b"LIID-42", "cin": 7,
                   "sequenceNumber": 0},
        "payload": ("cc", [{"direction": "toTarget", "packet": packets[0]}]),
    })
    assert first == same  # a template writes exactly what encode writes

    encode = template.encode
    count = 100_000
    start = time.perf_counter()
    for seq in range(count):
        encode(seq=seq, direction="fromTarget", packet=packets[seq % 5])
    elapsed = time.perf_counter() - start
    print(f"{count} CC PDUs in {elapsed:.3f} s ({count / elapsed:,.0f} per second)")

    try:
        encode(seq=-1, direction="toTarget", packet=b"")
    except lawful_intercept.EncodeError as exc:
        print("rejected:", exc)


if __name__ == "__main__":
    main()
