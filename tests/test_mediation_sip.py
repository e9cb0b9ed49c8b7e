"""The SIP reader of the conversion (RFC 3261 clause 7) and the IRI type of a dialog's
messages (TS 102 232-1 5.2.10)."""

from __future__ import annotations

from _mediation_support import BYE, INVITE, MESSAGE, OK_BYE, OK_INVITE, REGISTER, sip
from hypothesis import given, settings
from hypothesis import strategies as st

from lawful_intercept.mediation import MAX_DIALOGS, SIPDialogs, SIPMessage, read_sip


def test_requests_and_responses() -> None:
    assert read_sip(INVITE) == SIPMessage("INVITE", None, "a84b4c76e66710@pc33.example.com", 1,
                                          "INVITE", "sip:bob@example.net")
    assert read_sip(OK_BYE) == SIPMessage(None, 200, "a84b4c76e66710@pc33.example.com", 2,
                                          "BYE", None)
    compact = b"MESSAGE sip:x@y SIP/2.0\r\ni: short-form\r\ncseq:  7   message\r\n\r\n"
    assert read_sip(compact)[:5] == ("MESSAGE", None, "short-form", 7, "MESSAGE")


def test_what_is_not_sip_gives_none_fields() -> None:
    for junk in (b"", b"\x00\xff" * 40, b"HTTP/1.1 200 OK\r\n\r\n", b"INVITE\r\n",
                 b"SIP/2.0 2000 Nope\r\nCSeq: x INVITE\r\n"):
        message = read_sip(junk)
        assert not message.is_sip or message.status is None
        assert message.cseq is None


def test_the_body_is_not_read() -> None:
    body = "v=0\r\nCall-ID: not-a-header\r\n"
    message = read_sip(sip("INVITE sip:a@b SIP/2.0", call_id="real", body=body))
    assert message.call_id == "real"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_the_reader_never_raises(data: bytes) -> None:
    message = read_sip(data)
    assert isinstance(message, SIPMessage)
    SIPDialogs().iri_type(message)


def test_dialog_iri_types() -> None:
    dialogs = SIPDialogs()
    order = [REGISTER, INVITE, OK_INVITE, BYE, OK_BYE, INVITE]
    assert [dialogs.iri_type(read_sip(m)) for m in order] == [
        "iRI-Report", "iRI-Begin", "iRI-Continue", "iRI-Continue", "iRI-End", "iRI-Report"]
    two = SIPDialogs()
    first, second = (sip("INVITE sip:b SIP/2.0", call_id=c) for c in ("one", "two"))
    ends = [sip("SIP/2.0 200 OK", call_id=c, cseq="2 BYE") for c in ("one", "two")]
    assert [two.iri_type(read_sip(m)) for m in (first, second, ends[0], ends[1])] == [
        "iRI-Begin", "iRI-Continue", "iRI-Continue", "iRI-End"]
    assert SIPDialogs().iri_type(read_sip(MESSAGE)) == "iRI-Begin"


def test_dialogs_are_bounded() -> None:
    dialogs = SIPDialogs()
    for n in range(MAX_DIALOGS * 3):
        dialogs.iri_type(read_sip(sip("INVITE sip:b SIP/2.0", call_id=f"c{n}")))
    assert len(dialogs.dialogs) == MAX_DIALOGS
