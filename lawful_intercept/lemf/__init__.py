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
* :func:`register_metrics`, :func:`serve_metrics`: the LEMF's figures for Prometheus (the
  ``prometheus`` extra).
* :func:`main` (``python -m lawful_intercept.lemf``), :func:`add_arguments`,
  :func:`options_from_arguments`, :func:`parse_address`: the command line.

The implementation: ``_server`` (the asyncio server), ``_collector`` (the checks),
``_sequences`` (duplicates and gaps of one stream), ``_store`` (the output directory),
``_lines`` (records.jsonl), ``_recovery`` (the restart), ``_runner`` (threads, signals, TLS
files), ``_command`` (the command line), ``_connection`` (one connection and its bounds),
``_tls`` (TLS over memory buffers, with alerts), ``_throttle`` (rate-limited logging),
``_us_checks`` (ATIS and PacketCable checks), ``_metrics`` (Prometheus).
"""

from ..errors import LEMFConfigError, StoreError
from ._collector import Collector, Verdict
from ._command import add_arguments, main, options_from_arguments, parse_address
from ._metrics import register_metrics, serve_metrics
from ._runner import LEMFThread, load_verify_key, run_lemf, server_context
from ._sequences import SequenceTracker
from ._server import LEMF

__all__ = [
    "LEMF",
    "Collector",
    "LEMFConfigError",
    "LEMFThread",
    "SequenceTracker",
    "StoreError",
    "Verdict",
    "add_arguments",
    "load_verify_key",
    "main",
    "options_from_arguments",
    "parse_address",
    "register_metrics",
    "run_lemf",
    "serve_metrics",
    "server_context",
]
