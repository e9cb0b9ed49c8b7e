"""Validation of X1 messages against the official TS 103 221-1 XSDs (Annex C), which ETSI
publishes and the library does not bundle: :func:`load_schema` reads them from a folder,
with ``TS_103_221_01_Validation.xsd`` (which imports the X1, HashedID, DestinationSet, 3GPP
identity and TS 103 280 schemas) as the root when it is there."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xmlschema
from lxml import etree  # type: ignore[import-untyped]

from .._checks import require_instance
from ..warrants._schema import schema_errors, xsd_locations
from ._xml import parse_root

__all__ = ["VALIDATION_ROOT", "X1Schema", "load_schema"]

VALIDATION_ROOT = "TS_103_221_01_Validation.xsd"
"""The file of ETSI's schema set that imports all the others."""


@dataclass(frozen=True)
class X1Schema:
    """The compiled TS 103 221-1 schema set; :meth:`errors` lists what breaks it."""

    schema: Any
    folder: Path

    def errors(self, document: bytes | etree._Element, *, limit: int = 20) -> list[str]:
        """Up to ``limit`` schema violations of ``document`` (empty if it validates), each
        with the path of the element concerned. Bytes are read with the hardened parser
        first (hostile input is an :class:`~lawful_intercept.errors.X1FormatError`)."""
        if isinstance(document, bytes):
            document = parse_root(document)
        return schema_errors(self.schema, document, limit)


def load_schema(folder: str | os.PathLike[str]) -> X1Schema:
    """The schema set of the ``*.xsd`` files under ``folder`` (searched recursively)."""
    require_instance(folder, (str, os.PathLike), "folder")
    root = Path(folder)
    files = sorted(root.rglob("*.xsd"))
    validation = [path for path in files if path.name == VALIDATION_ROOT]
    if validation:
        return X1Schema(xmlschema.XMLSchema(str(validation[0])), root)
    locations = xsd_locations(files)
    if "http://uri.etsi.org/03221/X1/2017/10" not in locations:
        raise ValueError(f"folder {str(root)!r} holds no TS 103 221-1 X1 schema (expected "
                         f"{VALIDATION_ROOT} or the X1 XSD with its imports)")
    return X1Schema(xmlschema.XMLSchema(list(locations.values()), locations=locations), root)
