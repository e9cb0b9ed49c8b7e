"""A mediation cluster on NATS JetStream: several machines convert and hand over, and the
death of any one node or broker loses nothing and leaves no gap in any agency's sequence
numbers (ETSI TS 102 232-1 5.2.5). Optional: ``pip install 'lawful-intercept[cluster]'``
(nats-py, imported only when a node connects).

* Ingest nodes publish each converted record to ``li.<LIID>.iri|cc|hi1``
  (:func:`subject_of`, :func:`encode_liid`) with a de-duplication id
  (:class:`ClusterPublisher`); an X2/X3 PDU is received once the stream acknowledged it.
* Handover nodes (:class:`HandoverNode`) own LIIDs by lease (:class:`Lease`,
  :func:`decide_lease`, :func:`next_lease`, :func:`fair_share`; a deactivated LIID kept
  until its last records are delivered, :func:`decide_removed`), number each record once and
  store the number before sending (:class:`LIIDNumbering`, :class:`SequenceStamper`), and
  acknowledge a message only on the LEMF's proof (:class:`DeliverySink`).
* The tasks live in a key-value bucket every node reads (:class:`ClusterTaskStore`);
  :class:`ClusterLayout` names the stream and buckets.
* :func:`run_ingest` and :func:`run_handover` (:class:`IngestOptions`,
  :class:`HandoverOptions`) run a node's role until stopped (the ``cluster`` command and
  ``mediate --cluster``); :func:`run_book` (:class:`BookOptions`, :class:`BookStats`) runs
  the warrant book's node, mirroring its tasks into the bucket before X1 tells the network
  elements.

See ``docs/cluster.md``. The implementation: ``_subjects``, ``_lease``, ``_numbering``,
``_record``, ``_jetstream``, ``_ingest``, ``_sink``, ``_handover``, ``_tasks``, ``_node``,
``_book``.
"""

from ..errors import ClusterError, LeaseLost
from ._book import BookOptions, BookStats, run_book
from ._handover import HandoverNode, HandoverStats
from ._ingest import ClusterPublisher, RecordLike
from ._jetstream import ClusterLayout, connect
from ._lease import (
    Lease,
    LeaseDecision,
    RemovedDecision,
    decide_lease,
    decide_removed,
    fair_share,
    next_lease,
)
from ._node import HandoverOptions, IngestOptions, run_handover, run_ingest
from ._numbering import LIIDNumbering
from ._record import HEADER_DESTINATION, HEADER_INTERFACE, ClusterRecord, SequenceStamper
from ._sink import DeliverySink, RecordSink
from ._subjects import (
    KIND_TOKENS,
    SUBJECT_PREFIX,
    decode_liid,
    encode_liid,
    kind_of_subject,
    liid_of_subject,
    subject_of,
)
from ._tasks import ClusterTaskStore, task_from_bytes, task_to_bytes

__all__ = [
    "HEADER_DESTINATION",
    "HEADER_INTERFACE",
    "KIND_TOKENS",
    "SUBJECT_PREFIX",
    "BookOptions",
    "BookStats",
    "ClusterError",
    "ClusterLayout",
    "ClusterPublisher",
    "ClusterRecord",
    "ClusterTaskStore",
    "DeliverySink",
    "HandoverNode",
    "HandoverOptions",
    "HandoverStats",
    "IngestOptions",
    "LIIDNumbering",
    "Lease",
    "LeaseDecision",
    "LeaseLost",
    "RecordLike",
    "RecordSink",
    "RemovedDecision",
    "SequenceStamper",
    "connect",
    "decide_lease",
    "decide_removed",
    "decode_liid",
    "encode_liid",
    "fair_share",
    "kind_of_subject",
    "liid_of_subject",
    "next_lease",
    "run_book",
    "run_handover",
    "run_ingest",
    "subject_of",
    "task_from_bytes",
    "task_to_bytes",
]
