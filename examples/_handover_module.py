"""A small handover module for the examples, written for them (not a standard's text).

Its shape follows the ETSI TS 102 232-1 PS-PDU: a header with the LIID, a communication
identifier and a sequence number, and a payload that is IRI or CC. The examples use it so
that they run anywhere; with the standards' modules, compile those files instead.
"""

MODULE = """
Example-Handover {iso(1) identified-organization(3) dod(6) internet(1) private(4)
                  enterprise(1) 32473 handover(1)}
DEFINITIONS IMPLICIT TAGS ::= BEGIN

exampleDomainId OBJECT IDENTIFIER ::= {1 3 6 1 4 1 32473 1}
ccObjId RELATIVE-OID ::= {handover(1) cc(2)}

PDU ::= SEQUENCE {
    header      [1] Header,
    payload     [2] Payload
}

Header ::= SEQUENCE {
    domainId        [0] OBJECT IDENTIFIER,
    liid            [1] OCTET STRING (SIZE (1..25)),
    countryCode     [2] PrintableString (SIZE (2)) OPTIONAL,
    cin             [3] INTEGER (0..4294967295),
    sequenceNumber  [4] INTEGER (0..4294967295),
    timeStamp       [5] GeneralizedTime OPTIONAL,
    ...
}

Payload ::= CHOICE {
    iri     [0] IRI,
    cc      [1] SEQUENCE OF CC,
    ...
}

IRI ::= SEQUENCE {
    event           [0] ENUMERATED { sessionStart(1), sessionEnd(2), ... },
    targetAddress   [1] OCTET STRING (SIZE (4 | 16)) OPTIONAL
}

CC ::= SEQUENCE {
    objId       [0] RELATIVE-OID DEFAULT ccObjId,
    direction   [1] ENUMERATED { fromTarget(0), toTarget(1) } OPTIONAL,
    packet      [2] OCTET STRING
}

END
"""
