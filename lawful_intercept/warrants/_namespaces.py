"""The XML namespaces of ETSI TS 103 120 V1.12.1 (Annex A schemas), TS 103 280,
XML-DSig and the library's own approval-signature profile, with the prefixes the writer uses."""

from __future__ import annotations

__all__ = [
    "AUTH",
    "COMMON",
    "CORE",
    "DOC",
    "DS",
    "ETSI280",
    "NSMAP",
    "PROFILE",
    "TASK",
    "XSI",
    "qname",
]

CORE = "http://uri.etsi.org/03120/common/2019/10/Core"
COMMON = "http://uri.etsi.org/03120/common/2016/02/Common"
AUTH = "http://uri.etsi.org/03120/common/2020/09/Authorisation"
TASK = "http://uri.etsi.org/03120/common/2020/09/Task"
DOC = "http://uri.etsi.org/03120/common/2020/09/Document"
ETSI280 = "http://uri.etsi.org/03280/common/2017/07"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
DS = "http://www.w3.org/2000/09/xmldsig#"
PROFILE = "urn:lawful-intercept:ts103120:approval-signature:1"
"""The namespace of the library's approval-signature profile (see ``docs/warrants.md``)."""

NSMAP: dict[str | None, str] = {
    None: CORE,
    "common": COMMON,
    "auth": AUTH,
    "task": TASK,
    "doc": DOC,
    "etsi": ETSI280,
    "xsi": XSI,
}
"""The prefixes of every message the library writes (those of ETSI's examples)."""


def qname(namespace: str, local: str) -> str:
    """``{namespace}local``, the Clark notation lxml uses."""
    return f"{{{namespace}}}{local}"
