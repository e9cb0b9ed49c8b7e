"""The compiled specification: named types with their BER encoders and decoders.

See ``docs/compiler.md``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

from .._checks import require_instance
from ..errors import DecodeError, EncodeError, Error
from ._code_cache import CodeCache
from ._codec import CodecBuilder, Decoder, Encoder
from ._fast import FastCodegen
from ._model import Type
from ._template import Template, build_template

__all__ = ["Specification"]

_T = TypeVar("_T")


def _by_plain_name(items: dict[tuple[str, str], _T]) -> dict[str, _T]:
    """Plain names where unique, ``Module.name`` where a name is defined in several modules."""
    owners: dict[str, int] = {}
    for _, name in items:
        owners[name] = owners.get(name, 0) + 1
    return {
        (name if owners[name] == 1 else f"{module}.{name}"): item
        for (module, name), item in items.items()
    }


# What a decoder may raise on bad input; every one becomes a DecodeError.
_FAILURES = (DecodeError, RecursionError, IndexError, ValueError, TypeError, OverflowError,
             MemoryError)


def _decode_error(exc: BaseException, type_name: str) -> DecodeError:
    """The DecodeError that reports ``exc``, raised while decoding ``type_name``."""
    if isinstance(exc, DecodeError):
        exc.prepend(type_name)
        return exc
    if isinstance(exc, RecursionError):
        return DecodeError("nesting too deep", type_name)
    return DecodeError(f"malformed encoding ({type(exc).__name__}: {exc})", type_name)


class Specification:
    """Types compiled from one or more ASN.1 modules, with BER codecs (X.680, X.690).

    Built by :func:`lawful_intercept.compile_files` or :func:`lawful_intercept.compile_string`.
    Type names are the names of the modules' type assignments; a name defined in more than one
    module is only available qualified, as ``Module.Type`` (qualified names always work).
    Encoders and decoders are built on first use of a type and kept; :meth:`prepare` builds
    them in advance. ``code_cache`` is a directory where the compiled code of the generated
    codec functions is kept across processes (``compile_files`` passes the compile cache's).
    """

    def __init__(
        self,
        types: dict[tuple[str, str], Type],
        modules: dict[str, str | None],
        values: dict[tuple[str, str], object] | None = None,
        *,
        code_cache: str | os.PathLike[str] | None = None,
    ) -> None:
        self._by_module = types
        self._modules = dict(modules)
        self._values_by_module = dict(values or {})
        self._values = _by_plain_name(self._values_by_module)
        self._types = _by_plain_name(types)
        self._codec = CodecBuilder()
        self._code_cache = CodeCache(Path(code_cache)) if code_cache is not None else None
        self._fast = FastCodegen(self._codec, self._code_cache)
        self._encoders: dict[str, Encoder] = {}
        self._decoders: dict[tuple[str, bool], Decoder] = {}
        self._prepared: set[tuple[str, tuple[bool, ...]]] = set()

    # -- introspection ----------------------------------------------------------------------

    @property
    def types(self) -> Mapping[str, Type]:
        """Type name -> resolved type (``Module.Type`` where a name is defined twice)."""
        return MappingProxyType(self._types)

    @property
    def values(self) -> Mapping[str, object]:
        """Value assignments of the modules (``iPCCObjId`` -> ``'5.3.18.2'``, OIDs, integers),
        named like :attr:`types` (``Module.name`` where a name is defined twice)."""
        return MappingProxyType(self._values)

    @property
    def modules(self) -> Mapping[str, str | None]:
        """Module name -> its OBJECT IDENTIFIER in dotted form (None if it has none)."""
        return MappingProxyType(self._modules)

    def get_type(self, name: str) -> Type:
        """The resolved type called ``name`` (plain or ``Module.Type``)."""
        t = self._types.get(name)
        if t is not None:
            return t
        module, dot, plain = name.rpartition(".")
        if dot and (module, plain) in self._by_module:
            return self._by_module[(module, plain)]
        candidates = [f"{m}.{n}" for (m, n) in self._by_module if n == name]
        if candidates:
            raise Error(
                f"type {name!r} is defined in several modules; use one of "
                + ", ".join(sorted(candidates))
            )
        raise Error(f"unknown type {name!r}")

    def model(
        self,
    ) -> tuple[dict[tuple[str, str], Type], dict[str, str | None], dict[tuple[str, str], object]]:
        """What the specification is built from: the types and the values by ``(module,
        name)`` and each module's OID; ``Specification(*spec.model())`` is an equal one (the
        compile cache stores this)."""
        return dict(self._by_module), dict(self._modules), dict(self._values_by_module)

    @property
    def code_cache(self) -> CodeCache | None:
        """Where the compiled code of the generated codec functions is kept across processes
        (None: not kept); its ``loaded`` and ``compiled`` count entries used and code
        compiled by this specification."""
        return self._code_cache

    # -- codecs ---------------------------------------------------------------------------

    def prepare(self, type_names: Iterable[str], *, strict: bool = True,
                lenient: bool = True) -> int:
        """Generate now the encoders and decoders (strict unless ``strict`` is False, lenient
        unless ``lenient`` is False) of the named types and of every type they contain, so
        that no later encode or decode of them generates code: call it where a pause is
        harmless (at start-up, or in an executor before an event loop needs the types).
        Returns the number of functions generated (0 when they all were already). Unknown
        type names raise ``ValueError``.

        The code of generated functions is taken from the compile cache when it holds it
        (see ``docs/compiler.md``)."""
        names = [type_names] if isinstance(type_names, str) else list(type_names)
        types = []
        for name in names:
            require_instance(name, str, "type_names")
            try:
                types.append(self.get_type(name))
            except Error as exc:
                raise ValueError(f"type_names: {exc.message}") from None
        modes = tuple(mode for mode, wanted in ((True, strict), (False, lenient)) if wanted)
        done = 0
        for name, t in zip(names, types, strict=True):
            if (name, modes) in self._prepared:
                continue
            done += self._fast.prepare(t, modes)
            self.encoder(name)
            for mode in modes:
                self._decoder(name, mode)
            self._prepared.add((name, modes))
        return done

    def encoder(self, type_name: str) -> Encoder:
        """The encoder of a type: ``value -> bytes`` (raises :class:`EncodeError`)."""
        enc = self._encoders.get(type_name)
        if enc is None:
            t = self.get_type(type_name)
            enc = self._encoders[type_name] = self._fast.bytes_encoder(t, type_name)
        return enc

    def encode(self, type_name: str, value: Any) -> bytes:
        """Encode ``value`` as ``type_name`` in BER, with DER's choices where DER has one.

        Raises :class:`~lawful_intercept.EncodeError` naming the path to the offending field
        and the rule it breaks.
        """
        try:
            enc = self.encoder(type_name)
        except Error as exc:
            if isinstance(exc, EncodeError):
                raise
            raise EncodeError(exc.message) from None
        return enc(value)

    def _decoder(self, type_name: str, strict: bool) -> Decoder:
        dec = self._decoders.get((type_name, strict))
        if dec is None:
            try:
                t = self.get_type(type_name)
            except Error as exc:
                raise DecodeError(exc.message) from None
            dec = self._decoders[(type_name, strict)] = self._fast.decoder(t, strict)
        return dec

    def decode_prefix(
        self, type_name: str, data: bytes | bytearray | memoryview, *, strict: bool = True
    ) -> tuple[Any, int]:
        """Decode one value of ``type_name`` from the start of ``data``.

        Returns the value and the number of bytes it took; bytes after it are left alone.
        With ``strict=False`` values outside their constraints are accepted.
        Raises :class:`~lawful_intercept.DecodeError` (and nothing else) for any bad input.
        """
        dec = self._decoders.get((type_name, strict)) or self._decoder(type_name, strict)
        buf = data if type(data) is bytes else bytes(data)
        try:
            return dec(buf, 0, len(buf))
        except _FAILURES as exc:
            raise _decode_error(exc, type_name) from None

    def decode(
        self, type_name: str, data: bytes | bytearray | memoryview, *, strict: bool = True
    ) -> Any:
        """Decode exactly one value of ``type_name``; trailing bytes are an error."""
        # decode_prefix written out: one call less on the per-PDU path.
        dec = self._decoders.get((type_name, strict)) or self._decoder(type_name, strict)
        buf = data if type(data) is bytes else bytes(data)
        try:
            value, used = dec(buf, 0, len(buf))
        except _FAILURES as exc:
            raise _decode_error(exc, type_name) from None
        if used != len(data):
            raise DecodeError(
                f"{len(data) - used} bytes after the end of the value", type_name, used
            )
        return value

    # -- templates ------------------------------------------------------------------------

    def template(self, type_name: str, fixed_value: Any) -> Template:
        """Compile ``type_name`` with the parts of ``fixed_value`` that hold no
        :class:`~lawful_intercept.Hole` pre-encoded once; return a :class:`Template` whose
        keyword arguments are the holes.

        The template's output is byte-for-byte what :meth:`encode` gives for the value with the
        holes filled in. Raises :class:`~lawful_intercept.EncodeError` if the fixed parts are
        invalid.
        """
        t = self.get_type(type_name)
        return build_template(self._fast, t, type_name, fixed_value, self.encoder(type_name))
