"""Hypothesis strategies that draw valid values of compiled ASN.1 types.

This module is for property-based tests: of this library's codecs (the conformance suite uses
it) and of mediation code that builds or consumes handover records. It needs the
`hypothesis <https://hypothesis.readthedocs.io>`_ package, which the rest of the library does
not::

    from hypothesis import given
    from lawful_intercept.testing import values

    @given(values(spec, "PS-PDU"))
    def test_round_trip(pdu):
        assert spec.decode("PS-PDU", spec.encode("PS-PDU", pdu)) == pdu

Every drawn value satisfies the constraints of its type (value ranges, SIZE, permitted
alphabet, single values) and follows the value conventions of the codec, which are those of
``asn1tools``:

==========================  ================================================================
ASN.1 type                  Python value
==========================  ================================================================
SEQUENCE, SET               ``dict`` of member name to value. OPTIONAL members may be absent;
                            members with a DEFAULT are always present (with any valid value,
                            since a decoder fills the default in, a value without them would
                            not survive a round trip). Extension additions appear only when
                            ``include_extensions`` is true; mandatory ones are then always
                            present.
CHOICE                      ``(alternative name, value)``; extension alternatives only when
                            ``include_extensions`` is true.
SEQUENCE OF                 ``list`` with a length allowed by SIZE, at most ``max_list``
                            elements unless SIZE demands more.
SET OF                      ``list`` of at most one element, unless SIZE demands more: then
                            exactly the minimum number of elements, all equal. DER sorts the
                            elements of a SET OF when it encodes them, so a list of distinct
                            elements could come back from a round trip in another order; a
                            list of at most one element, or of equal elements, cannot.
INTEGER                     ``int`` within the value constraint; unconstrained, a mix of small
                            and large values, negatives and values beyond 64 bits included.
ENUMERATED                  the ``str`` name of an enumeration (names after the extension
                            marker only when ``include_extensions`` is true).
BOOLEAN, NULL               ``bool``; ``None``.
REAL                        finite ``float``, ``inf`` or ``-inf`` (never NaN, which is not
                            equal to itself).
OCTET STRING                ``bytes`` of a length allowed by SIZE.
BIT STRING                  ``(data, number_of_bits)`` with ``len(data)`` equal to
                            ``ceil(number_of_bits / 8)`` and the unused trailing bits zero (as
                            in DER). For a BIT STRING with named bits the last bit is set, so
                            that DER's removal of trailing zero bits (X.690 11.2.2) cannot
                            change the value.
OBJECT IDENTIFIER           dotted ``str`` with at least two arcs, the first 0, 1 or 2, the
                            second below 40 unless the first is 2; arcs may be large.
RELATIVE-OID                dotted ``str`` with at least one arc.
character strings           ``str`` of a length (in characters) allowed by SIZE, over the
                            alphabet of the string type intersected with any permitted
                            alphabet (FROM) constraint; see below.
UTCTime                     ``datetime.datetime`` in 1969..2049, microsecond zero; naive for
                            "Z", or aware with a non-zero whole-minute offset.
GeneralizedTime             ``datetime.datetime`` in 1900..2100 with any microsecond; naive
                            for local time, aware with UTC for "Z", or aware with a non-zero
                            whole-minute offset; see below.
open type                   ``bytes`` holding one complete, DER-valid TLV (NULL, BOOLEAN,
                            INTEGER, OCTET STRING, PrintableString, or a SEQUENCE of those).
==========================  ================================================================

Character string alphabets: PrintableString ``A-Z a-z 0-9`` and ``space ' ( ) + , - . / : =
?``; NumericString digits and space; IA5String ``chr(0)..chr(127)``; VisibleString and
ISO646String ``chr(32)..chr(126)``; UTF8String and UniversalString any character but
surrogates; BMPString the Basic Multilingual Plane without surrogates. The 8-bit string types
(TeletexString, T61String, VideotexString, GraphicString, GeneralString) and unknown ones get
printable ASCII, ``chr(32)..chr(126)``, which every codec of theirs maps to itself.

Times are drawn so that they survive an encode/decode round trip unchanged whichever way a
codec writes them: UTCTime years stay in 1969..2049, which the RFC 5280 century rule (50..99
is 19xx) and Python's ``%y`` (69..99 is 19xx) read back alike; an aware UTCTime never has
offset zero (a codec may write it as "Z", which reads back naive); a GeneralizedTime whose
second is zero has neither a fraction nor an offset, because ``asn1tools`` leaves out zero
seconds, and then reads a fraction as a fraction of the minute and mis-parses an offset.

Strategies are built lazily and cached per structure, constraints and options (tags do not
change values, so differently tagged uses of one structure share them), so drawing from one
type of a large specification builds only the strategies of the types actually reached; see
:func:`clear_cache`.
Recursion is bounded by ``max_depth``, the number of nested SEQUENCE, SET, CHOICE, SEQUENCE
OF and SET OF levels (dicts, CHOICE tuples and lists) a value may have. OPTIONAL members, CHOICE
alternatives and list elements are drawn only where they fit in that limit; where the type
itself needs more levels than are left (a mandatory member of a recursive type), the value is
as small as the type allows: OPTIONAL members omitted, lists as short as SIZE allows, CHOICE
alternatives that end soonest. Values are therefore always finite, and no deeper than
``max_depth`` or than the smallest value of the type, whichever is the deeper.
A type every value of which would be infinite (``A ::= SEQUENCE { a A }``) raises
:class:`UnproducibleTypeError`.

A single-value constraint on a type other than INTEGER (``domainID [0] OBJECT IDENTIFIER
(hi2OperationId)``, X.680 51.2) draws only the permitted values.

Builder inputs: ``values`` follows the ASN.1 types; the record builders also apply the
standards' prose rules. :func:`liids`, :func:`country_codes`, :func:`interception_point_ids`,
:func:`network_identifiers`, :func:`session_identities`, :func:`ps_headers` and
:func:`ip_packets` draw exactly what the builders accept. See ``docs/values.md``.
"""

from typing import Any

from ._inputs import (
    country_codes,
    interception_point_ids,
    ip_packets,
    liids,
    network_identifiers,
    ps_headers,
    session_identities,
)
from ._values import (
    SpecificationLike,
    UnproducibleTypeError,
    clear_cache,
    strategy_for,
    values,
)

__all__ = [
    "SpecificationLike",
    "UnproducibleTypeError",
    "authorisation_objects",
    "clear_cache",
    "country_codes",
    "delivery_destinations",
    "hi1_messages",
    "interception_point_ids",
    "ip_packets",
    "li_task_objects",
    "liids",
    "network_identifiers",
    "ps_headers",
    "session_identities",
    "strategy_for",
    "target_identifier_values",
    "values",
    "warrant_messages",
]

_WARRANT_STRATEGIES = frozenset({
    "authorisation_objects", "delivery_destinations", "hi1_messages", "li_task_objects",
    "target_identifier_values", "warrant_messages",
})


def __getattr__(name: str) -> Any:
    """The HI-1 warrant strategies (``docs/warrants.md``), loaded on first use (need lxml)."""
    if name in _WARRANT_STRATEGIES:
        from ..warrants import _strategies
        return getattr(_strategies, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
