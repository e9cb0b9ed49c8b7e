"""A small, robust reader of SIP messages (RFC 3261 clause 7) and the IRI type of each message
of a communication (ETSI TS 102 232-5 clause 5 with TS 102 232-1 5.2.10 IRIType).

Only what the conversion needs is read: the start line (a request's method, a response's
status code), ``Call-ID`` (or its compact form ``i``) and ``CSeq`` (number and method). The
reader never raises: octets that are not SIP give a :class:`SIPMessage` with ``None``
fields, and the message is still delivered (it is what was intercepted).
"""

from __future__ import annotations

from typing import Final, NamedTuple

__all__ = ["MAX_DIALOGS", "MAX_HEADER_OCTETS", "SIPDialogs", "SIPMessage", "read_sip"]

MAX_HEADER_OCTETS: Final = 16384
"""Octets of a message searched for its start line and headers (the body is not read)."""
MAX_DIALOGS: Final = 32
"""Dialogs (Call-IDs) remembered per communication: the state a communication holds is
bounded whatever a network element sends."""

_BEGIN: Final = "iRI-Begin"
_CONTINUE: Final = "iRI-Continue"
_END: Final = "iRI-End"
_REPORT: Final = "iRI-Report"


class SIPMessage(NamedTuple):
    """What :func:`read_sip` found in a SIP message (RFC 3261 clause 7): ``method`` of a
    request or ``status`` of a response (the other is ``None``), ``call_id`` (the Call-ID
    header), ``cseq`` and ``cseq_method`` (the CSeq header). ``None`` where absent or
    malformed."""

    method: str | None
    status: int | None
    call_id: str | None
    cseq: int | None
    cseq_method: str | None
    request_uri: str | None = None

    @property
    def is_sip(self) -> bool:
        """Whether a start line was read (a request or a response)."""
        return self.method is not None or self.status is not None


def _token(text: str) -> bool:
    return bool(text) and all(c.isalnum() or c in "-.!%*_+`'~" for c in text) and text.isascii()


def read_sip(message: bytes | memoryview) -> SIPMessage:
    """The start line, Call-ID and CSeq of a SIP message (RFC 3261 7.1, 7.2, 8.1.1.4,
    8.1.1.5); never raises (fields not found are ``None``)."""
    head = bytes(message[:MAX_HEADER_OCTETS])
    end = head.find(b"\r\n\r\n")
    if end >= 0:
        head = head[:end]
    lines = head.decode("utf-8", "replace").replace("\r\n", "\n").split("\n")
    method: str | None = None
    status: int | None = None
    uri: str | None = None
    first = lines[0].strip() if lines else ""
    parts = first.split(" ", 2)
    if len(parts) >= 2 and parts[0].startswith("SIP/"):
        if len(parts[1]) == 3 and parts[1].isdigit() and parts[1].isascii():
            status = int(parts[1])
    elif len(parts) == 3 and parts[2].startswith("SIP/") and _token(parts[0]):
        method = parts[0].upper()
        uri = parts[1]
    call_id: str | None = None
    cseq: int | None = None
    cseq_method: str | None = None
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if not colon:
            continue
        name = name.strip().lower()
        value = value.strip()
        if name in ("call-id", "i") and call_id is None and value:
            call_id = value
        elif name == "cseq" and cseq is None:
            number, _, what = value.partition(" ")
            if number.isdigit() and number.isascii() and len(number) <= 10:
                cseq = int(number)
                what = what.strip().upper()
                cseq_method = what if _token(what) else None
    return SIPMessage(method, status, call_id, cseq, cseq_method, uri)


class SIPDialogs:
    """The SIP dialogs of one communication and the IRIType of each message (TS 102 232-1
    5.2.10; TS 102 232-5 clause 5):

    * a new INVITE or a MESSAGE begins the communication: ``iRI-Begin`` (later ones in the
      same communication continue it);
    * REGISTER, and every response to one: ``iRI-Report``;
    * a 2xx response to BYE ends its dialog; when no dialog is left: ``iRI-End``;
    * anything else: ``iRI-Continue`` (``iRI-Report`` before the communication began with
      an INVITE or MESSAGE, or after it ended).

    At most :data:`MAX_DIALOGS` Call-IDs are remembered.
    """

    __slots__ = ("begun", "dialogs", "ended")

    def __init__(self) -> None:
        self.begun = False
        """Whether an INVITE or MESSAGE began the communication."""
        self.ended = False
        """Whether a 2xx response to BYE ended its last dialog."""
        self.dialogs: set[str] = set()
        """The Call-IDs of the dialogs open."""

    def iri_type(self, message: SIPMessage) -> str:
        """The IRIType of ``message`` (TS 102 232-1 5.2.10), updating the dialog state."""
        method = message.method
        if method == "REGISTER" or (message.status is not None
                                    and message.cseq_method == "REGISTER"):
            return _REPORT
        if self.ended:
            return _REPORT
        if method in ("INVITE", "MESSAGE"):
            if method == "INVITE" and message.call_id is not None and (
                    len(self.dialogs) < MAX_DIALOGS):
                self.dialogs.add(message.call_id)
            if not self.begun:
                self.begun = True
                return _BEGIN
            return _CONTINUE
        if (message.status is not None and 200 <= message.status < 300
                and message.cseq_method == "BYE" and self.begun):
            self.dialogs.discard(message.call_id or "")
            if not self.dialogs:
                self.ended = True
                return _END
            return _CONTINUE
        return _CONTINUE if self.begun else _REPORT
