"""Property-based testing with the library's hypothesis strategies.

Checks, for a few hundred generated PDUs, that a (toy) receiver accepts every encoding.
Run: python examples/property_test.py   (or turn the function into a pytest test)
"""

from __future__ import annotations

from _handover_module import MODULE
from hypothesis import given, settings

import lawful_intercept
from lawful_intercept.testing import values

spec = lawful_intercept.compile_string(MODULE)


def toy_receiver(data: bytes) -> str:
    """Stands for your collection function: decode and classify one PDU."""
    pdu = spec.decode("PDU", data)
    kind: str = pdu["payload"][0]
    return kind


@settings(max_examples=300, deadline=None)
@given(values(spec, "PDU"))
def test_receiver_accepts_every_valid_pdu(pdu: dict[str, object]) -> None:
    data = spec.encode("PDU", pdu)
    assert toy_receiver(data) in ("iri", "cc")
    assert spec.decode("PDU", data) == pdu


if __name__ == "__main__":
    test_receiver_accepts_every_valid_pdu()
    print("300 generated PDUs: all accepted")
