"""lawful-intercept: lawful-intercept handover in Python.

Compiles the handover ASN.1 modules of ETSI (TS 102 232, TS 101 671, TS 103 280), 3GPP
(TS 33.108, TS 33.128), ATIS and CableLabs PacketCable into fast BER encoders and decoders.
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
