"""Correlation identifiers shared by every record of an interception.

The bottom layer of the record builders: it checks and produces the identifiers that tie the
IRI and CC records of one communication together, for every handover format the library
speaks, and keeps the per-communication state (CIN allocation, sequence numbers) that a
mediation process has to carry across restarts.

ETSI (TS 102 232-1 PS-PDU header, clause 5.2; TS 103 280 common parameters):

* :class:`LIID`: the lawful interception identifier, ``OCTET STRING (SIZE (1..25))``.
* :class:`NetworkIdentifier`: operator and network element identifiers, 1..16 octets each.
* :func:`country_code`, :data:`ISO_3166_ALPHA2`: authorization/delivery country codes.
* :func:`interception_point_id`: ``PrintableString (SIZE (1..8))``.
* :class:`CINAllocator`: communicationIdentityNumber per session, deterministic from a
  session key, collision-free, with a hold before reuse and a JSON-able state.
* :class:`SequenceCounters`: sequenceNumber per (LIID, CIN, kind), gapless, with a JSON-able
  state and the cINReset rule for a restarted process.
* :class:`SessionIdentity`: LIID, network identifier, country codes and CIN in one value, so
  that the IRI and CC of one session share their correlation identifiers by construction.
* :class:`Clock`, :func:`generalized_time`, :func:`micro_second_timestamp`: timeStamp,
  microSecondTimeStamp and timeStampQualifier values.

The US identifiers (ATIS caseId and ContentIdentifier, PacketCable CallId and CCCId) live
beside their record builders, in :mod:`lawful_intercept.records`.

The modules: ``_identity`` (identifiers and :class:`SessionIdentity`), ``_allocator``
(:class:`CINAllocator`), ``_numbering`` (:class:`SequenceCounters`), ``_clock`` (time
stamps), ``_state`` (the saved-state checks the three stateful counters share) and
``_values`` (the small checks). See docs/correlation.md.

Every value returned follows the library's value convention (``bytes`` for OCTET STRING,
``str`` for character strings, ``dict`` for SEQUENCE, ``(name, value)`` for CHOICE,
``datetime`` for GeneralizedTime). Every rule broken raises
:class:`~lawful_intercept.errors.EncodeError` whose ``path`` names the field (relative to the
PSHeader for the ETSI identifiers, e.g. ``communicationIdentifier.deliveryCountryCode``) and
whose message names the rule. A call that raises changes no state.

Clause numbers of TS 102 232-1 are those the published LI-PS-PDU module cites in its comments
(5.2.3 authorizationCountryCode, 5.2.4 communicationIdentifier, 5.2.6 timeStamp, 5.2.11
interceptionPointID); 5.2.2 (LIID) and 5.2.5 (sequence number) are inferred from their
position between those.
"""


from ._allocator import CIN_MAX_INTEROP, CINAllocator, SessionKey
from ._clock import (
    TIME_STAMP_QUALIFIERS,
    Clock,
    MicroSecondTimeStamp,
    Precision,
    datetime_from_micro_second_timestamp,
    generalized_time,
    micro_second_timestamp,
    time_stamp_qualifier,
)
from ._identity import (
    CIN_MAX,
    ISO_3166_ALPHA2,
    LIID,
    LIID_MAX_OCTETS,
    NETWORK_IDENTIFIER_MAX_OCTETS,
    CountryCodeField,
    NetworkIdentifier,
    SessionIdentity,
    communication_identity_number,
    country_code,
    interception_point_id,
)
from ._numbering import SEQUENCE_KINDS, SEQUENCE_NUMBER_MAX, Numbering, SequenceCounters

__all__ = [
    "CIN_MAX",
    "CIN_MAX_INTEROP",
    "ISO_3166_ALPHA2",
    "LIID",
    "LIID_MAX_OCTETS",
    "NETWORK_IDENTIFIER_MAX_OCTETS",
    "SEQUENCE_KINDS",
    "SEQUENCE_NUMBER_MAX",
    "TIME_STAMP_QUALIFIERS",
    "CINAllocator",
    "Clock",
    "CountryCodeField",
    "MicroSecondTimeStamp",
    "NetworkIdentifier",
    "Numbering",
    "Precision",
    "SequenceCounters",
    "SessionIdentity",
    "SessionKey",
    "communication_identity_number",
    "country_code",
    "datetime_from_micro_second_timestamp",
    "generalized_time",
    "interception_point_id",
    "micro_second_timestamp",
    "time_stamp_qualifier",
]
