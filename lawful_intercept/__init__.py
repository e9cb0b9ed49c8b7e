"""lawful-intercept: lawful-intercept handover in Python.

Carriers deliver a target's intercept-related information (IRI) and content of communication
(CC), correlated, to the agency's collection function (LEMF) in the formats of ETSI
(TS 102 232, TS 101 671), 3GPP (TS 33.108, TS 33.128), ATIS and CableLabs PacketCable. The
library is a pipeline of four stages, each a public package:

1. **Compile**: :func:`compile_files`, :func:`compile_string` and :func:`bundled` (the shipped
   handover modules) give a :class:`Specification` with BER codecs and templates
   (:class:`Template`), in ``lawful_intercept.asn1c``; primitives are in
   ``lawful_intercept.ber``, and which type and kind a PDU is in ``lawful_intercept.catalog``.
2. **Build records**: ``lawful_intercept.correlation`` (LIID, CIN, sequence numbers, time
   stamps) and ``lawful_intercept.records`` (PS-PDUs of TS 102 232-1..7, HI2 of TS 101 671 and
   TS 33.108, HI1, PacketCable, ATIS); ``lawful_intercept.stream`` and
   ``lawful_intercept.files`` frame, read and write them; ``lawful_intercept.integrity`` adds
   TS 102 232-1 integrity checks and encryption.
3. **Deliver**: ``lawful_intercept.delivery``: a durable spool, the sans-IO handover session
   (TS 102 232-1 TRI, keep-alive, PDU acknowledgement), one delivery pump, blocking and asyncio
   TLS transports, and HI2/HI3 routing.
4. **Collect**: ``lawful_intercept.lemf``, a test LEMF that receives, checks and stores.

``lawful_intercept.testing`` gives hypothesis strategies for any compiled type,
``lawful_intercept.scenarios`` complete correlated handover streams, ``lawful_intercept.errors``
every error type (all derive from :class:`Error`), and ``lawful-intercept`` (the ``cli``
package) the command line. The guide is ``docs/index.md``; ``docs/architecture.md`` says where
each concern lives.
"""

from ._version import __version__
from .asn1c import Hole, Specification, Template, compile_files, compile_string
from .errors import CompileError, DecodeError, EncodeError, Error
from .registry import BundledModule, bundled, list_bundled

__all__ = [
    "BundledModule",
    "CompileError",
    "DecodeError",
    "EncodeError",
    "Error",
    "Hole",
    "Specification",
    "Template",
    "__version__",
    "bundled",
    "compile_files",
    "compile_string",
    "list_bundled",
]
