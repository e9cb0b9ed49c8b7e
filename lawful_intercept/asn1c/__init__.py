"""The ASN.1 compiler: parser -> resolved type model -> specialised BER codecs (X.680, X.690)."""

from .compiler import compile_files, compile_string, default_cache_dir
from .spec import Specification
from .template import Hole, Template

__all__ = [
    "Hole",
    "Specification",
    "Template",
    "compile_files",
    "compile_string",
    "default_cache_dir",
]
