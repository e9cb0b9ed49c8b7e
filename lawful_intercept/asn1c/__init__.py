"""The ASN.1 compiler: parser -> resolved type model -> specialised BER codecs (X.680, X.690).

Modules given as files or text are parsed (:func:`parse_text`), resolved into the type model
(:class:`Type`, :class:`Kind`, ...), and compiled into a :class:`Specification` whose encoders
and decoders are generated for each type; :class:`Template` pre-encodes the fixed parts of a
type. :func:`format_module` writes a parsed module back and :func:`wire_differences` compares
two compiled types by what decides their BER. See ``docs/compiler.md``.
"""

from ._code_cache import DEFAULT_MAX_AGE, prune_cache
from ._compare import wire_differences
from ._compiler import (
    compile_files,
    compile_string,
    default_cache_dir,
    parse_sources,
    read_module_files,
)
from ._model import Body, Component, Constraints, Kind, Range, Tag, TagClass, Type
from ._parser import parse_text
from ._printer import format_module
from ._spec import Specification
from ._syntax import ModuleSyntax, TypeAssignment
from ._template import Hole, Template

__all__ = [
    "DEFAULT_MAX_AGE",
    "Body",
    "Component",
    "Constraints",
    "Hole",
    "Kind",
    "ModuleSyntax",
    "Range",
    "Specification",
    "Tag",
    "TagClass",
    "Template",
    "Type",
    "TypeAssignment",
    "compile_files",
    "compile_string",
    "default_cache_dir",
    "format_module",
    "parse_sources",
    "parse_text",
    "prune_cache",
    "read_module_files",
    "wire_differences",
]
