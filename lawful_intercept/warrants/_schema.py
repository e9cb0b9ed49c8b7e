"""Validation of HI-1 messages against the official TS 103 120 XSDs (Annex A), which ETSI
publishes and the library does not bundle: :func:`load_schema` reads them from a folder.

The ETSI schema files import each other by namespace without ``schemaLocation``, so the
loader maps each file's target namespace to its path. The library's approval-signature
profile schema (:data:`PROFILE_XSD`, a concrete ``NationalDigitalSignature``) is added to
the set, so that signed approvals validate as well. The W3C XML-DSig schema comes with
``xmlschema``.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xmlschema
from lxml import etree  # type: ignore[import-untyped]

from .._checks import require_instance
from ._namespaces import COMMON, DS, PROFILE
from ._xml_safe import parse_xml

__all__ = ["PROFILE_XSD", "HI1Schema", "load_schema", "schema_errors", "xsd_locations"]

PROFILE_XSD = f"""<?xml version="1.0" encoding="utf-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:common="{COMMON}"
           xmlns:ds="{DS}" targetNamespace="{PROFILE}" elementFormDefault="qualified">
  <xs:import namespace="{COMMON}"/>
  <xs:import namespace="{DS}"/>
  <xs:complexType name="XMLDSigApproval">
    <xs:complexContent>
      <xs:extension base="common:NationalDigitalSignature">
        <xs:sequence>
          <xs:element ref="ds:Signature"/>
        </xs:sequence>
      </xs:extension>
    </xs:complexContent>
  </xs:complexType>
</xs:schema>
"""
"""The XSD of the library's approval-signature profile: ``XMLDSigApproval`` extends
TS 103 120's abstract ``common:NationalDigitalSignature`` with one ``ds:Signature``."""

_TARGET = re.compile(r'targetNamespace="([^"]+)"')


@dataclass(frozen=True)
class HI1Schema:
    """The compiled TS 103 120 schema set (with the profile schema); :meth:`errors` lists what
    breaks it."""

    schema: Any
    folder: Path

    def errors(self, document: bytes | etree._Element, *, limit: int = 20) -> list[str]:
        """Up to ``limit`` schema violations of ``document`` (empty if it validates), each
        with the path of the element concerned."""
        if isinstance(document, bytes):
            document = parse_xml(document)
        return schema_errors(self.schema, document, limit)


def schema_errors(schema: Any, document: etree._Element, limit: int) -> list[str]:
    """Up to ``limit`` violations of ``schema`` (an ``xmlschema`` schema) in ``document``,
    each ``path: reason``; shared by the HI-1 and X1 schema sets."""
    found: list[str] = []
    for error in schema.iter_errors(document):
        found.append(f"{error.path}: {error.reason}")
        if len(found) >= limit:
            break
    return found


def xsd_locations(files: Iterable[Path]) -> dict[str, str]:
    """Each XSD file's target namespace mapped to its resolved path (ETSI's schema files
    import each other by namespace, without ``schemaLocation``)."""
    locations: dict[str, str] = {}
    for path in files:
        match = _TARGET.search(path.read_text(encoding="utf-8", errors="replace"))
        if match:
            locations[match.group(1)] = str(path.resolve())
    return locations


def load_schema(folder: str | os.PathLike[str]) -> HI1Schema:
    """The schema set of the ``*.xsd`` files under ``folder`` (searched recursively: ETSI's
    ``schema`` and ``dictionaries`` folders), each mapped by its target namespace."""
    require_instance(folder, (str, os.PathLike), "folder")
    root = Path(folder)
    locations = xsd_locations(sorted(root.rglob("*.xsd")))
    if not locations:
        raise ValueError(f"folder {str(root)!r} holds no XSD with a target namespace (expected "
                         "the TS 103 120 schema files)")
    sources: list[Any] = [*locations.values(), io.StringIO(PROFILE_XSD)]
    schema = xmlschema.XMLSchema(sources, locations=locations)
    return HI1Schema(schema, root)
