"""A conformance test for your own mediation code, driven by the library's strategies.

`my_mediation` stands for your code: it turns the events of one intercepted internet access
session into ETSI TS 102 232-1 PS-PDUs (IPIRI and IPCC of TS 102 232-3), writing the values
itself and encoding them with `Specification.encode`. Put your function in its place and keep
the test. Hypothesis draws the inputs with `lawful_intercept.testing.values`: LIIDs,
communication identifiers, IPIRI contents, IPCC contents and directions, all valid for the
bundled modules. The test decodes what your code wrote with the library's strict decoder and
checks the invariants a LEMF relies on:

* every output is one PS-PDU that decodes strictly, and the stream of them frames back into
  the same PDUs (TS 102 232-1 clause 6: PDUs back to back);
* every header carries the li-psDomainId of the module, the LIID and the communication
  identifier of the session (5.2.2 to 5.2.4);
* sequence numbers count IRI and CC separately, from 0, without gaps (5.2.5);
* time stamps never go backwards;
* the IRI and CC contents arrive unchanged and in order.

Break `my_mediation` (number IRI and CC with one counter, drop the CIN, reorder two events)
and the test fails, showing the smallest input that breaks the rule.

Run: python examples/conformance_test_for_your_code.py   (pytest collects the test as it is)
"""

from __future__ import annotations

import itertools
import time
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

import lawful_intercept
from lawful_intercept.stream import iter_pdus
from lawful_intercept.testing import values

spec = lawful_intercept.bundled()
EXAMPLES = 200

Event = tuple[str, Any]
"""``("iri", IPIRIContents value)`` or ``("cc", (direction, IPCCContents value))``."""


# -- your code ---------------------------------------------------------------------------------


def my_mediation(liid: bytes, communication_identifier: dict[str, Any],
                 events: list[Event]) -> list[bytes]:
    """Stands for your mediation code: one PS-PDU per event of one communication."""
    domain = spec.values["li-psDomainId"]
    numbers = {"IRI": itertools.count(), "CC": itertools.count()}
    pdus = []
    for kind, content in events:
        now = time.time_ns()
        header = {
            "li-psDomainId": domain,
            "lawfulInterceptionIdentifier": liid,
            "communicationIdentifier": communication_identifier,
            "sequenceNumber": next(numbers["IRI" if kind == "iri" else "CC"]),
            "microSecondTimeStamp": {"seconds": now // 10**9,
                                     "microSeconds": now // 1000 % 10**6},
        }
        if kind == "iri":
            payload = ("iRIPayloadSequence", [{
                "iRIType": "iRI-Report",
                "iRIContents": ("iPIRI", {"iPIRIObjId": spec.values["iPIRIObjId"],
                                          "iPIRIContents": content}),
            }])
        else:
            direction, contents = content
            payload = ("cCPayloadSequence", [{
                "payloadDirection": direction,
                "cCContents": ("iPCC", {"iPCCObjId": spec.values["iPCCObjId"],
                                        "iPCCContents": contents}),
            }])
        pdus.append(spec.encode("PS-PDU", {"pSHeader": header, "payload": payload}))
    return pdus


# -- the test ------------------------------------------------------------------------------------

iri_events = values(spec, "IPAccessPDU.IPIRIContents", max_depth=4).map(lambda c: ("iri", c))
cc_events = st.tuples(values(spec, "PayloadDirection"),
                      values(spec, "IPCCContents")).map(lambda dc: ("cc", dc))


def stamp(value: dict[str, Any]) -> tuple[int, int]:
    micro = value["pSHeader"]["microSecondTimeStamp"]
    return micro["seconds"], micro["microSeconds"]


@settings(max_examples=EXAMPLES, deadline=None)
@given(liid=values(spec, "LI-PS-PDU.LawfulInterceptionIdentifier"),
       identifier=values(spec, "LI-PS-PDU.CommunicationIdentifier", max_depth=3),
       events=st.lists(st.one_of(iri_events, cc_events), max_size=12))
def test_my_mediation_conforms(liid: bytes, identifier: dict[str, Any],
                               events: list[Event]) -> None:
    pdus = my_mediation(liid, identifier, events)

    assert len(pdus) == len(events)
    framed = list(iter_pdus([b"".join(pdus)]))
    assert [pdu.raw for pdu in framed] == pdus

    decoded = [spec.decode("PS-PDU", pdu) for pdu in pdus]      # strict: raises DecodeError
    expected_numbers = {"iRIPayloadSequence": 0, "cCPayloadSequence": 0}
    for value, (kind, content) in zip(decoded, events, strict=True):
        header = value["pSHeader"]
        assert header["li-psDomainId"] == spec.values["li-psDomainId"]
        assert header["lawfulInterceptionIdentifier"] == liid
        assert header["communicationIdentifier"] == identifier

        alternative, [record] = value["payload"]
        assert alternative == ("iRIPayloadSequence" if kind == "iri" else "cCPayloadSequence")
        assert header["sequenceNumber"] == expected_numbers[alternative]
        expected_numbers[alternative] += 1

        if kind == "iri":
            assert record["iRIContents"][1]["iPIRIContents"] == content
        else:
            direction, contents = content
            assert record["payloadDirection"] == direction
            assert record["cCContents"][1]["iPCCContents"] == contents

    assert [stamp(v) for v in decoded] == sorted(stamp(v) for v in decoded)


if __name__ == "__main__":
    test_my_mediation_conforms()
    print(f"{EXAMPLES} generated sessions: every PS-PDU of my_mediation conforms")
