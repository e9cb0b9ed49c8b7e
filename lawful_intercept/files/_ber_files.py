"""Raw BER files: PDUs back to back, exactly as they travel over a handover connection
(ETSI TS 102 232-1 clause 6), framed on reading by
:class:`~lawful_intercept.stream.PDUReader`.

See ``docs/records.md``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Final

from .._checks import require_int
from ..catalog import PS_PDU
from ..stream import DEFAULT_MAX_PDU_SIZE, PDU, iter_pdus
from ._common import StrPath

if TYPE_CHECKING:
    from ..asn1c import Specification

__all__ = ["read_ber", "write_ber"]

_CHUNK: Final = 64 * 1024


def write_ber(path: StrPath, pdus: Iterable[bytes]) -> int:
    """Write encoded PDUs back to back, as on a handover connection (TS 102 232-1 clause 6).

    Nothing is added between or around the PDUs.  Returns the number of PDUs written.
    """
    count = 0
    with open(path, "wb") as f:
        for pdu in pdus:
            f.write(pdu)
            count += 1
    return count


def read_ber(
    path: StrPath,
    spec: Specification | None = None,
    type_name: str = PS_PDU,
    *,
    max_pdu_size: int = DEFAULT_MAX_PDU_SIZE,
    strict: bool = True,
    chunk_size: int = _CHUNK,
) -> Iterator[PDU]:
    """Read a file of PDUs back to back (TS 102 232-1 clause 6), framing each one by its
    outermost BER header (X.690 8.1.3) with a :class:`~lawful_intercept.stream.PDUReader`.

    The file is read in chunks of ``chunk_size`` octets, so files larger than memory work.
    PDUs are decoded as ``type_name`` when ``spec`` is given.  A file that ends inside a PDU
    or cannot be framed raises :class:`~lawful_intercept.stream.FramingError` after the PDUs
    before the fault have been yielded.
    """
    require_int(chunk_size, "chunk_size", low=1)
    with open(path, "rb") as f:
        chunks = iter(lambda: f.read(chunk_size), b"")
        yield from iter_pdus(chunks, spec, type_name, max_pdu_size=max_pdu_size, strict=strict)
