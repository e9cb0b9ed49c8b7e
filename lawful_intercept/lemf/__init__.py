"""A test LEMF (law-enforcement monitoring facility): the receiving end of a handover.

It accepts handover connections over TLS with client certificates (ETSI TS 102 232-1 clause
6), answers keep-alives and PDU acknowledgement requests, checks what arrives (decoding,
duplicates and gaps per LIID + CIN + kind, IRI/CC correlation, integrity checks and
encryption containers of TS 102 232-1 6.4) and writes it to a directory: the PDUs as received
(received.ber), one JSON line per PDU (records.jsonl) and a running summary (summary.json).
See docs/lemf.md.

* :class:`LEMF`: the asyncio server; :class:`LEMFThread` runs one in a background thread;
  :func:`run_lemf` runs one until SIGINT/SIGTERM (also ``python -m lawful_intercept.lemf``).
* :class:`Collector`: the checks, without I/O.
"""

from .collector import Collector, Verdict
from .runner import LEMFThread, load_verify_key, run_lemf, server_context
from .sequences import SequenceTracker
from .server import LEMF, LEMFConfigError
from .store import StoreError

__all__ = [
    "LEMF",
    "Collector",
    "LEMFConfigError",
    "LEMFThread",
    "SequenceTracker",
    "StoreError",
    "Verdict",
    "load_verify_key",
    "run_lemf",
    "server_context",
]
