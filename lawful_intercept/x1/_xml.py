"""Reading and writing X1 XML (ETSI TS 103 221-1 Annex C) through the element specs, with
the hardened parser of :mod:`lawful_intercept.warrants` (no DTD, no entity, bounded size).

Reading is strict: an element missing, out of order, unknown, or breaking its type's rule is
an :class:`~lawful_intercept.errors.X1FormatError` naming its path, so what is accepted is
what the schema accepts, and what is written back says the same."""

from __future__ import annotations

import copy
from typing import Any

from lxml import etree  # type: ignore[import-untyped]

from .._checks import require_bytes, require_instance, require_int
from ..errors import WarrantFormatError, X1FormatError
from ..warrants import IPAddressPort, RawXML, parse_xml
from ._messages import HEADER, MESSAGES, MessageKind, kind_of
from ._model import (
    NS,
    DeliveryAddress,
    HashedIdentifier,
    PortRange,
    TargetIdentifier,
    TopLevelErrorResponse,
    X1Header,
    X1Request,
    X1Response,
)
from ._specs import COMMON, SPECS, Field
from ._targets import TARGET_KINDS
from ._types import HEX, TOKEN, UUID_TYPE, SimpleType, pattern

__all__ = ["DEFAULT_MAX_BYTES", "XSI", "X1Document", "parse_message", "parse_root",
           "read_header", "read_message", "read_request_element", "write_message"]

DEFAULT_MAX_BYTES = 1024 * 1024
"""The largest X1 message read by default (1 MiB; a NE with thousands of tasks answers
GetAllDetails within it)."""

XSI = "http://www.w3.org/2001/XMLSchema-instance"
HASHED = "http://uri.etsi.org/03221/X1/2017/10/HashedID"

X1Document = X1Request | X1Response | TopLevelErrorResponse

_IPV4 = TARGET_KINDS["ipv4Address"]
_IPV6 = TARGET_KINDS["ipv6Address"]
_CIDR = {"IPv4CIDR": pattern(r"((25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])\.){3}"
                             r"(25[0-5]|2[0-4][0-9]|[01]?[0-9]?[0-9])/([1-2]?[0-9]|3[0-2])",
                             "IPv4CIDR"),
         "IPv6CIDR": TARGET_KINDS["ipv6Cidr"]}
_PORTS = {"TCPPort": TARGET_KINDS["tcpPort"], "UDPPort": TARGET_KINDS["udpPort"]}
_ADDRESS_TEXT = {"e164Number": TARGET_KINDS["e164Number"], "uri": TOKEN,
                 "emailAddress": TARGET_KINDS["emailAddress"]}
_SHORT = pattern(r"(.|\n){0,255}", "ShortString (at most 255 characters)", token=False)


def _q(local: str, ns: str | None = None) -> str:
    return f"{{{ns or NS}}}{local}"


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def _elements(element: etree._Element) -> list[etree._Element]:
    return [child for child in element if isinstance(child.tag, str)]


# -- reading --------------------------------------------------------------------------------


def parse_message(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> X1Document:
    """The X1 document in ``data`` (an X1Request, X1Response or X1TopLevelErrorResponse,
    TS 103 221-1 clause 6), read with the hardened parser: a DTD, an entity, more than
    ``max_bytes`` octets, or anything the schema refuses is an
    :class:`~lawful_intercept.errors.X1FormatError` naming the element."""
    return read_message(parse_root(data, max_bytes=max_bytes))


def parse_root(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> etree._Element:
    """The root element of ``data`` read with the hardened parser (no DTD, no entity, at
    most ``max_bytes`` octets), not yet checked as X1; hostile or malformed input is an
    :class:`~lawful_intercept.errors.X1FormatError`."""
    data = require_bytes(data, "data")
    require_int(max_bytes, "max_bytes", low=1)
    if len(data) > max_bytes:
        raise X1FormatError(f"message is {len(data)} bytes, more than the limit of {max_bytes}",
                            "X1Message")
    try:
        return parse_xml(data, max_bytes=max_bytes)
    except WarrantFormatError as exc:
        raise X1FormatError(exc.message.replace("an HI-1 message", "an X1 message"),
                            "X1Message") from None


def read_message(root: etree._Element) -> X1Document:
    """The X1 document of an already parsed root element (see :func:`parse_message`)."""
    tag = root.tag if isinstance(root.tag, str) else ""
    if tag == _q("X1TopLevelErrorResponse"):
        values, index = _read_sequence(_elements(root), HEADER[:4], "X1TopLevelErrorResponse")
        _no_more(_elements(root), index, "X1TopLevelErrorResponse")
        return TopLevelErrorResponse(**values)
    if tag not in (_q("X1Request"), _q("X1Response")):
        raise X1FormatError(f"the root element is {tag or root!r}, not X1Request, X1Response or "
                            f"X1TopLevelErrorResponse of namespace {NS}", "X1Message")
    request = tag == _q("X1Request")
    name, child = ("X1Request", "x1RequestMessage") if request else (
        "X1Response", "x1ResponseMessage")
    messages = []
    for index, element in enumerate(_elements(root)):
        path = f"{name}/{child}[{index}]"
        if element.tag != _q(child):
            raise X1FormatError(f"unexpected element {_local(element.tag)}, expected {child}",
                                path)
        messages.append(_read_message(element, request, path))
    if not messages:
        raise X1FormatError(f"{name} holds no {child}", name)
    return X1Request(tuple(messages)) if request else X1Response(tuple(messages))


def read_request_element(element: etree._Element, path: str = "x1RequestMessage") -> Any:
    """One x1RequestMessage element as its model request (see :func:`parse_message`)."""
    return _read_message(element, True, path)


def read_header(element: etree._Element) -> X1Header:
    """The common fields (clause 6.1) of one message element."""
    values, _ = _read_sequence(_elements(element), HEADER, "x1RequestMessage")
    return X1Header(**values)


def _read_message(element: etree._Element, request: bool, path: str) -> Any:
    xsi_type = element.get(f"{{{XSI}}}type")
    if xsi_type is None:
        raise X1FormatError("the message has no xsi:type naming its kind", path)
    prefix, _, local = xsi_type.strip().rpartition(":")
    if element.nsmap.get(prefix or None) != NS:
        raise X1FormatError(f"xsi:type {xsi_type!r} is not a type of namespace {NS}", path)
    kind = MESSAGES.get(local)
    if kind is None or kind.request != request:
        raise X1FormatError(f"xsi:type {local!r} is not an X1 "
                            f"{'request' if request else 'response'} message", path)
    children = _elements(element)
    values, index = _read_sequence(children, HEADER, path)
    header = X1Header(**values)
    if kind.raw_body:
        body = tuple(_raw_of(child) for child in children[index:])
        return kind.cls(kind.message_type, header, body)
    values, index = _read_sequence(children, kind.body, path, index)
    _no_more(children, index, path)
    if kind.message_type is not None:
        return kind.cls(kind.message_type, header, **values)
    return kind.cls(header, **values)


def _no_more(children: list[etree._Element], index: int, path: str) -> None:
    if index < len(children):
        raise X1FormatError(f"unexpected element {_local(children[index].tag)}", path)


def _read_sequence(children: list[etree._Element], spec: tuple[Field, ...], path: str,
                   index: int = 0) -> tuple[dict[str, Any], int]:
    values: dict[str, Any] = {}
    for field in spec:
        tag = _q(field.xml, field.ns)
        found: list[Any] = []
        while index < len(children) and children[index].tag == tag:
            found.append(children[index])
            index += 1
            if field.occurs != "*":
                break
        where = f"{path}/{field.xml}"
        if not found:
            if field.occurs == "1":
                got = (f", found {_local(children[index].tag)}" if index < len(children)
                       else "")
                raise X1FormatError(f"element {field.xml} is missing{got}", where)
            continue
        if field.items:
            values.update(_read_wrapper(found[0], field, where))
        elif field.occurs == "*":
            values[field.attr] = tuple(_read_value(e, field.kind, f"{where}[{i}]")
                                       for i, e in enumerate(found))
        else:
            values[field.attr] = _read_value(found[0], field.kind, where)
    return values, index


def _read_wrapper(element: etree._Element, field: Field, path: str) -> dict[str, Any]:
    children = _elements(element)
    values: dict[str, Any] = {}
    index = 0
    for item in field.items:
        found: list[Any] = []
        while index < len(children) and children[index].tag == _q(item.xml):
            found.append(_read_value(children[index], item.kind,
                                     f"{path}/{item.xml}[{len(found)}]"))
            index += 1
        if len(found) < item.least:
            raise X1FormatError(f"{field.xml} needs at least {item.least} {item.xml}", path)
        values[item.attr] = tuple(found)
    _no_more(children, index, path)
    return values


def _read_value(element: etree._Element, kind: Any, path: str) -> Any:
    if isinstance(kind, SimpleType):
        if _elements(element):
            raise X1FormatError(f"{kind.name} holds text, not elements", path)
        try:
            return kind.parse(element.text or "")
        except ValueError as exc:
            raise X1FormatError(str(exc), path) from None
    if kind == "raw":
        return _raw_of(element)
    if kind == "target":
        return _read_target(element, path)
    if kind == "address":
        return _read_address(element, path)
    values, index = _read_sequence(_elements(element), SPECS[kind], path)
    _no_more(_elements(element), index, path)
    return kind(**values)


def _raw_of(element: etree._Element) -> RawXML:
    """``element`` alone, as bytes that do not depend on where it stood: no tail, and only
    the namespace declarations it uses (in names, or as the prefix of an xsi:type)."""
    alone = copy.deepcopy(element)
    alone.tail = None
    keep = {value.strip().partition(":")[0] for node in alone.iter()
            if isinstance(node.tag, str)
            for value in [node.get(f"{{{XSI}}}type")] if value and ":" in value}
    etree.cleanup_namespaces(alone, keep_ns_prefixes=sorted(keep))
    return RawXML(etree.tostring(alone))


def _only_child(element: etree._Element, path: str) -> etree._Element:
    children = _elements(element)
    if len(children) != 1:
        raise X1FormatError(f"a choice holds exactly one element, not {len(children)}", path)
    return children[0]


def _read_target(element: etree._Element, path: str) -> TargetIdentifier:
    child = _only_child(element, path)
    kind = _local(child.tag)
    where = f"{path}/{kind}"
    if child.tag != _q(kind):
        raise X1FormatError(f"{kind} is not an X1 target identifier element", where)
    value: Any
    if kind in TARGET_KINDS:
        value = _read_value(child, TARGET_KINDS[kind], where)
    elif kind == "ipv4Cidr":
        inner = _only_child(child, where)
        name = _local(inner.tag)
        if inner.tag != _q(name, COMMON) or name not in _CIDR:
            raise X1FormatError(f"{name} is not IPv4CIDR or IPv6CIDR", where)
        value = _read_value(inner, _CIDR[name], f"{where}/{name}")
    elif kind in ("tcpPortRange", "udpPortRange"):
        value = _read_value(child, PortRange, where)
        port = TARGET_KINDS["tcpPort" if kind == "tcpPortRange" else "udpPort"]
        _check(port, value.start, f"{where}/start")
        _check(port, value.end, f"{where}/end")
    elif kind == "hashedIdentifier":
        value = _read_hashed(child, where)
    elif kind == "targetIdentifierExtension":
        value = _raw_of(child)
    else:
        raise X1FormatError(f"{kind} is not a target identifier kind of TS 103 221-1", where)
    return TargetIdentifier(kind, value)


_HASHED = (Field("hashContextID", "hash_context_id", UUID_TYPE, ns=HASHED),
           Field("targetIdentityType", "target_identity_type", _SHORT, ns=HASHED),
           Field("hashDigest", "hash_digest", HEX, ns=HASHED))


def _read_hashed(element: etree._Element, path: str) -> HashedIdentifier:
    children = _elements(element)
    values, index = _read_sequence(children, _HASHED, path)
    _no_more(children, index, path)
    return HashedIdentifier(**values)


def _read_address(element: etree._Element, path: str) -> DeliveryAddress:
    child = _only_child(element, path)
    kind = _local(child.tag)
    where = f"{path}/{kind}"
    if kind in _ADDRESS_TEXT and child.tag == _q(kind):
        text = _read_value(child, _ADDRESS_TEXT[kind], where)
        return DeliveryAddress(kind, text)  # type: ignore[arg-type]
    if child.tag != _q("ipAddressAndPort"):
        raise X1FormatError(f"{kind} is not a DeliveryAddress alternative", where)
    parts = _elements(child)
    if [p.tag for p in parts] != [_q("address", COMMON), _q("port", COMMON)]:
        raise X1FormatError("ipAddressAndPort holds address then port (TS 103 280)", where)
    address = _only_child(parts[0], f"{where}/address")
    port = _only_child(parts[1], f"{where}/port")
    name, port_name = _local(address.tag), _local(port.tag)
    if address.tag not in (_q("IPv4Address", COMMON), _q("IPv6Address", COMMON)):
        raise X1FormatError(f"{name} is not IPv4Address or IPv6Address", f"{where}/address")
    if port.tag not in (_q("TCPPort", COMMON), _q("UDPPort", COMMON)):
        raise X1FormatError(f"{port_name} is not TCPPort or UDPPort", f"{where}/port")
    text = _read_value(address, _IPV4 if name == "IPv4Address" else _IPV6,
                       f"{where}/address/{name}")
    number = _read_value(port, _PORTS[port_name], f"{where}/port/{port_name}")
    return DeliveryAddress("ipAddressAndPort",
                           IPAddressPort(text, number, "TCP" if port_name == "TCPPort" else "UDP"))


def _check(kind: SimpleType, value: Any, path: str) -> str:
    try:
        return str(kind.format(value))
    except ValueError as exc:
        raise X1FormatError(str(exc), path) from None


# -- writing --------------------------------------------------------------------------------


def write_message(document: X1Document) -> bytes:
    """``document`` as X1 XML (UTF-8, with an XML declaration), elements in schema order;
    a value that breaks its XSD type is an :class:`~lawful_intercept.errors.X1FormatError`
    naming its path."""
    require_instance(document, (X1Request, X1Response, TopLevelErrorResponse), "document")
    nsmap = {"x1": NS, "xsi": XSI}
    if isinstance(document, TopLevelErrorResponse):
        root = etree.Element(_q("X1TopLevelErrorResponse"), nsmap=nsmap)
        _write_sequence(root, document, HEADER[:4], "X1TopLevelErrorResponse")
    else:
        request = isinstance(document, X1Request)
        name, child = ("X1Request", "x1RequestMessage") if request else (
            "X1Response", "x1ResponseMessage")
        if not document.messages:
            raise X1FormatError(f"{name} needs at least one message", name)
        root = etree.Element(_q(name), nsmap=nsmap)
        for index, message in enumerate(document.messages):
            _write_message(root, message, child, request, f"{name}/{child}[{index}]")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _write_message(parent: etree._Element, message: Any, child: str, request: bool,
                   path: str) -> None:
    try:
        kind: MessageKind = kind_of(message)
    except KeyError:
        raise X1FormatError(f"{message!r} is not an X1 message model", path) from None
    if kind.request != request:
        raise X1FormatError(f"{kind.xsi_type} does not belong in an "
                            f"X1{'Request' if request else 'Response'}", path)
    element = etree.SubElement(parent, _q(child))
    element.set(f"{{{XSI}}}type", f"x1:{kind.xsi_type}")
    _write_sequence(element, message.header, HEADER, path)
    if kind.raw_body:
        for index, raw in enumerate(message.body):
            element.append(_raw_element(raw, None, f"{path}/body[{index}]"))
    else:
        _write_sequence(element, message, kind.body, path)


def _write_sequence(parent: etree._Element, value: Any, spec: tuple[Field, ...],
                    path: str) -> None:
    for field in spec:
        where = f"{path}/{field.xml}"
        if field.items:
            _write_wrapper(parent, value, field, where)
            continue
        item = getattr(value, field.attr)
        if field.occurs == "*":
            for index, one in enumerate(item):
                _write_value(parent, field, one, f"{where}[{index}]")
        elif item is not None:
            _write_value(parent, field, item, where)
        elif field.occurs == "1":
            raise X1FormatError(f"element {field.xml} is required", where)


def _write_wrapper(parent: etree._Element, value: Any, field: Field, path: str) -> None:
    lists = [getattr(value, item.attr) for item in field.items]
    if field.occurs == "?" and lists[0] is None and not any(lists[1:]):
        return
    wrapper = etree.SubElement(parent, _q(field.xml, field.ns))
    for item, entries in zip(field.items, lists, strict=True):
        entries = entries or ()
        if len(entries) < item.least:
            raise X1FormatError(f"{field.xml} needs at least {item.least} {item.xml}", path)
        for index, entry in enumerate(entries):
            _write_value(wrapper, Field(item.xml, item.attr, item.kind), entry,
                         f"{path}/{item.xml}[{index}]")


def _write_value(parent: etree._Element, field: Field, value: Any, path: str) -> None:
    kind = field.kind
    if kind == "raw":
        parent.append(_raw_element(value, _q(field.xml, field.ns), path))
        return
    element = etree.SubElement(parent, _q(field.xml, field.ns))
    if isinstance(kind, SimpleType):
        element.text = _check(kind, value, path)
    elif kind == "target":
        _write_target(element, value, path)
    elif kind == "address":
        _write_address(element, value, path)
    else:
        if not isinstance(value, kind):
            raise X1FormatError(f"{value!r} is not a {kind.__name__}", path)
        _write_sequence(element, value, SPECS[kind], path)


def _raw_element(raw: Any, tag: str | None, path: str) -> etree._Element:
    if not isinstance(raw, RawXML):
        raise X1FormatError(f"{raw!r} is not RawXML", path)
    try:
        element = parse_xml(raw.data)
    except WarrantFormatError as exc:
        raise X1FormatError(exc.message, path) from None
    if tag is not None and element.tag != tag:
        raise X1FormatError(f"the raw element is {_local(element.tag)}, expected {_local(tag)}",
                            path)
    return element


def _write_target(element: etree._Element, target: Any, path: str) -> None:
    if not isinstance(target, TargetIdentifier):
        raise X1FormatError(f"{target!r} is not a TargetIdentifier", path)
    kind, value = target.kind, target.value
    where = f"{path}/{kind}"
    if kind in TARGET_KINDS:
        etree.SubElement(element, _q(kind)).text = _check(TARGET_KINDS[kind], value, where)
    elif kind == "ipv4Cidr":
        name = "IPv6CIDR" if isinstance(value, str) and ":" in value else "IPv4CIDR"
        child = etree.SubElement(element, _q(kind))
        etree.SubElement(child, _q(name, COMMON)).text = _check(_CIDR[name], value, where)
    elif kind in ("tcpPortRange", "udpPortRange"):
        if not isinstance(value, PortRange):
            raise X1FormatError(f"{kind} needs a PortRange, not {value!r}", where)
        port = TARGET_KINDS["tcpPort" if kind == "tcpPortRange" else "udpPort"]
        child = etree.SubElement(element, _q(kind))
        etree.SubElement(child, _q("start", COMMON)).text = _check(port, value.start, where)
        etree.SubElement(child, _q("end", COMMON)).text = _check(port, value.end, where)
    elif kind == "hashedIdentifier":
        if not isinstance(value, HashedIdentifier):
            raise X1FormatError(f"{kind} needs a HashedIdentifier, not {value!r}", where)
        child = etree.SubElement(element, _q(kind))
        _write_sequence(child, value, _HASHED, where)
    elif kind == "targetIdentifierExtension":
        element.append(_raw_element(value, _q(kind), where))
    else:
        raise X1FormatError(f"{kind!r} is not a target identifier kind of TS 103 221-1", where)


def _write_address(element: etree._Element, address: Any, path: str) -> None:
    if not isinstance(address, DeliveryAddress):
        raise X1FormatError(f"{address!r} is not a DeliveryAddress", path)
    where = f"{path}/{address.kind}"
    if address.kind in _ADDRESS_TEXT:
        etree.SubElement(element, _q(address.kind)).text = _check(
            _ADDRESS_TEXT[address.kind], address.value, where)
        return
    value = address.value
    if address.kind != "ipAddressAndPort" or not isinstance(value, IPAddressPort):
        raise X1FormatError(f"{address.kind!r} with {value!r} is not a DeliveryAddress "
                            "alternative (ipAddressAndPort needs an IPAddressPort)", where)
    child = etree.SubElement(element, _q("ipAddressAndPort"))
    six = ":" in value.address
    name = "IPv6Address" if six else "IPv4Address"
    holder = etree.SubElement(child, _q("address", COMMON))
    etree.SubElement(holder, _q(name, COMMON)).text = _check(
        _IPV6 if six else _IPV4, value.address, f"{where}/address")
    port_name = "TCPPort" if value.transport == "TCP" else "UDPPort"
    holder = etree.SubElement(child, _q("port", COMMON))
    etree.SubElement(holder, _q(port_name, COMMON)).text = _check(
        _PORTS[port_name], value.port, f"{where}/port")

