"""lawful-intercept: lawful-intercept handover in Python.

Compiles the handover ASN.1 modules of ETSI (TS 102 232, TS 101 671, TS 103 280), 3GPP
(TS 33.108, TS 33.128), ATIS and CableLabs PacketCable into fast BER encoders and decoders.
"""

from .asn1c import Hole, Specification, Template, compile_files, compile_string
from .errors import CompileError, DecodeError, EncodeError, Error

__all__ = [
    "CompileError",
    "DecodeError",
    "EncodeError",
    "Error",
    "Hole",
    "Specification",
    "Template",
    "compile_files",
    "compile_string",
]

try:
    from importlib.metadata import version as _version

    __version__ = _version("lawful-intercept")
except Exception:  # pragma: no cover - a source tree without installed metadata
    __version__ = "0+unknown"
