"""PS-PDU templates shared by every session of one shape (TS 102 232-1 clause 5).

A mediation function opens thousands of communications, each with its own LIID, network
identifier and CIN. Compiling a template and generating code per communication would cost
milliseconds and tens of kilobytes each; instead the code depends only on the *shape* of the
PSHeader — the specification, which time stamps are written, whether an interceptionPointID
and a timeStampQualifier are present — and on the payload's fixed part. The members that
differ between communications (LIID, authorizationCountryCode, communicationIdentifier,
interceptionPointID, timeStampQualifier) are encoded holes (:class:`~lawful_intercept.Hole`
with ``encoded=True``): each :class:`~lawful_intercept.records.PSPDUBuilder` keeps only their
octets, pre-encoded once, and passes them to the shared code with each PDU.

Shapes are kept per specification for as long as the specification lives; their number is
bounded by the combinations of the fields above and of the payload keys of the services, none
of which holds a per-session value.

See docs/records.md, "Sessions share templates".
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Mapping
from types import MethodType
from typing import Any, Final, TypeVar

from ..asn1c import Hole, Specification, Template
from ..catalog import PS_PDU
from ..correlation import Clock

__all__ = ["DEFAULT_CLOCK", "HeaderShape", "SessionConstants", "bind", "header_shape",
           "per_specification", "shared_template"]

T = TypeVar("T")

#: The clock of the records objects given none (``time.time_ns``; read-only, so shared).
DEFAULT_CLOCK: Final = Clock()

#: The encoded holes of a PSHeader and the members each stands for, in PSHeader order
#: (TS 102 232-1 5.2): ``ids`` the correlation identifiers, ``ipid`` the interception point,
#: ``tsq`` the timeStampQualifier.
_IDS = ("lawfulInterceptionIdentifier", "authorizationCountryCode", "communicationIdentifier")

SessionConstants = tuple[bytes, ...]
"""The pre-encoded octets of one session's header members, in :attr:`HeaderShape.constants`
order."""


class HeaderShape:
    """The PSHeader of every session with the same specification, time-stamp mode and
    optional members present (TS 102 232-1 5.2): its templates and generated encoders, made
    once for all of them. Get one with :func:`header_shape`."""

    def __init__(self, spec: Specification, domain: str, time_stamps: str, ipid: bool,
                 qualifier: bool) -> None:
        # Weak: the shapes of a specification are kept in a WeakKeyDictionary keyed by it.
        self._spec = weakref.ref(spec)
        self.time_stamps = time_stamps
        ids = Hole("ids", encoded=True)
        header: dict[str, Any] = {"li-psDomainId": domain}
        header.update(dict.fromkeys(_IDS, ids))
        header["sequenceNumber"] = Hole("seq")
        if time_stamps != "microSecondTimeStamp":
            header["timeStamp"] = Hole("ts")
        names = ["ids"]
        if ipid:
            header["interceptionPointID"] = Hole("ipid", encoded=True)
            names.append("ipid")
        if time_stamps != "timeStamp":
            header["microSecondTimeStamp"] = {"seconds": Hole("sec"),
                                              "microSeconds": Hole("usec")}
        if qualifier:
            header["timeStampQualifier"] = Hole("tsq", encoded=True)
            names.append("tsq")
        self.constants: tuple[str, ...] = tuple(names)
        """The names of the encoded holes, in the order a session keeps their octets."""
        self._header = header
        self._lock = threading.RLock()
        self._templates: dict[object, Template] = {}
        self._encoders: dict[object, Callable[..., bytes]] = {}
        self.payloads: dict[str, Callable[..., bytes]] = {}
        """The encoders of :meth:`payload_encoder` made so far, by Payload alternative."""
        self._probe = self.template(("payload", "tRIPayload"), ("tRIPayload", Hole("p")))

    def pre_encode(self, fields: dict[str, Any]) -> SessionConstants:
        """A session's constant octets from its PSHeader member values (``fields``, as
        :meth:`SessionIdentity.ps_header_fields` gives them plus ``timeStampQualifier``);
        raises :class:`~lawful_intercept.EncodeError` naming a member that breaks its type."""
        probe = self._probe
        out = []
        for name in self.constants:
            members = probe.members_of(name)
            out.append(probe.pre_encode(name, {k: fields[k] for k in members if k in fields}))
        return tuple(out)

    def template(self, key: object, payload: object) -> Template:
        """The template of this shape's PS-PDU with ``payload`` (a Payload value with its own
        holes), kept under ``key``: holes ``seq``, the time (``sec``/``usec`` and/or ``ts``),
        the encoded holes of :attr:`constants` and the payload's. ``key`` must name everything
        fixed in ``payload`` (and nothing per session)."""
        template = self._templates.get(key)
        if template is None:
            with self._lock:
                template = self._templates.get(key)
                if template is None:
                    spec = self._spec()
                    assert spec is not None  # the caller's builder holds it
                    template = spec.template(PS_PDU, {"pSHeader": self._header,
                                                           "payload": payload})
                    self._templates[key] = template
        return template

    def payload_encoder(self, alternative: str, sequence: bool) -> Callable[..., bytes]:
        """The encoder of this shape's PS-PDU with the Payload alternative ``alternative``
        left open as the hole ``p`` (the general path of IRI, TRI and HI1 PDUs); with
        ``sequence`` the alternative is a SEQUENCE OF payloads, whose one element is ``p``."""
        encode = self.payloads.get(alternative)
        if encode is None:
            hole = Hole("p")
            encode = self.payloads[alternative] = self.template(
                ("payload", alternative), (alternative, [hole] if sequence else hole)).encode
        return encode

    def content_template(self, key: object, payload: object,
                         constants: Mapping[str, Mapping[str, Any]] | None,
                         ) -> tuple[Template, tuple[str, ...], tuple[bytes, ...]]:
        """The template of a content encoder (``PSPDUBuilder.content_encoder``,
        ``SessionTable.content_encoder``) kept under ``key``, checked to have one
        ``Hole("content")`` and an encoded hole per entry of ``constants`` (hole name ->
        {member: value}); with the names of those holes and their octets, encoded here (a bad
        value raises ``EncodeError`` naming the member)."""
        template = self.template(key, payload)
        extra = dict(constants or {})
        names = (*self.constants, *extra)
        time_fields = (("sec", "usec") if self.time_stamps != "timeStamp" else ()) + (
            ("ts",) if self.time_stamps != "microSecondTimeStamp" else ())
        if sorted(template.fields) != sorted(("seq", "content", *time_fields, *names)) or (
                set(template.encoded_fields) != set(names)):
            raise ValueError(f"payload must have one Hole('content') and an encoded hole for "
                             f"each of constants ({', '.join(extra) or 'none'}); the "
                             f"template's holes are {', '.join(template.fields)}")
        octets = tuple(template.pre_encode(name, values) for name, values in extra.items())
        return template, tuple(extra), octets

    def shared_encoder(self, key: object,
                       make: Callable[[], Callable[..., bytes]]) -> Callable[..., bytes]:
        """The function kept under ``key``, made by ``make()`` the first time (code shared by
        the sessions of this shape, which bind their own data to it with :func:`bind`)."""
        fn = self._encoders.get(key)
        if fn is None:
            with self._lock:
                fn = self._encoders.get(key)
                if fn is None:
                    fn = self._encoders[key] = make()
        return fn


def bind(fn: Callable[..., bytes], data: tuple[Any, ...]) -> Callable[..., bytes]:
    """``fn`` with ``data`` as its first argument: a session's handle on shared code."""
    bound: Callable[..., bytes] = MethodType(fn, data)
    return bound


_SHAPES: weakref.WeakKeyDictionary[Specification, dict[tuple[object, ...], HeaderShape]] = (
    weakref.WeakKeyDictionary()
)
_SHAPES_LOCK = threading.Lock()


def header_shape(spec: Specification, domain: str, time_stamps: str, ipid: bool,
                 qualifier: bool) -> HeaderShape:
    """The process-wide :class:`HeaderShape` of these properties (made on first use)."""
    key = (domain, time_stamps, ipid, qualifier)
    shapes = _SHAPES.get(spec)
    shape = None if shapes is None else shapes.get(key)
    if shape is None:
        with _SHAPES_LOCK:
            shapes = _SHAPES.setdefault(spec, {})
            shape = shapes.get(key)
            if shape is None:
                shape = shapes[key] = HeaderShape(spec, domain, time_stamps, ipid, qualifier)
    return shape



_TEMPLATES: weakref.WeakKeyDictionary[Specification, dict[object, Template]] = (
    weakref.WeakKeyDictionary()
)


def shared_template(spec: Specification, type_name: str, key: object,
                    fixed: Callable[[], object]) -> Template:
    """The process-wide template of ``type_name`` in ``spec`` kept under ``key`` (made from
    ``fixed()`` on first use): for templates below the PS-PDU (e.g. a TS 33.128 CCPayload)
    that many sessions use alike. ``key`` must name everything fixed and take few values."""
    templates = _TEMPLATES.get(spec)
    template = None if templates is None else templates.get((type_name, key))
    if template is None:
        with _SHAPES_LOCK:
            templates = _TEMPLATES.setdefault(spec, {})
            template = templates.get((type_name, key))
            if template is None:
                template = templates[(type_name, key)] = spec.template(type_name, fixed())
    return template


_PER_SPEC: weakref.WeakKeyDictionary[Specification, dict[object, Any]] = (
    weakref.WeakKeyDictionary()
)


def per_specification(spec: Specification, key: object, make: Callable[[], T]) -> T:
    """``make()``, made once per specification and ``key`` and shared by every records object
    (what a records object reads from its specification must not be copied per session)."""
    known = _PER_SPEC.get(spec)
    if known is None or key not in known:
        with _SHAPES_LOCK:
            known = _PER_SPEC.setdefault(spec, {})
            if key not in known:
                known[key] = make()
    value: T = known[key]
    return value
