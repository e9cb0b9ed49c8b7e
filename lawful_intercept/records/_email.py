"""E-mail records: ETSI TS 102 232-2 EmailIRI and EmailCC in PS-PDUs.

:class:`EmailRecords` adds the payloads of the e-mail service to a
:class:`~lawful_intercept.records.PSPDUBuilder`: each e-mail event (send, receive,
download, logon, …) of the target as an EmailIRI (TS 102 232-2, ASN.1 ``EmailIRI``) and the
intercepted messages or packets as EmailCC (TS 102 232-2, ASN.1 ``EmailCC``: ``email-Format``
and ``content``). The object identifiers (emailIRIObjId, emailCCObjId) and the ENUMERATED items
are those of the EmailPDU module in the builder's specification.

EmailCC goes through a template per (format, direction); every input is checked before the
sequence number is taken.

See docs/records.md, "E-mail".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from ..asn1c import Hole
from ..errors import EncodeError
from ._ipmm import Address
from ._ps import PSPDUBuilder
from ._values import (
    DIRECTIONS,
    ServiceRecords,
    address,
    check_name,
    enum_names,
    integer,
    iri_pdu,
    octets,
)

__all__ = ["EmailRecords"]

_PORT_MAX = 65535
_COUNT_MAX = 4294967295


class EmailRecords(ServiceRecords):
    """EmailIRI and EmailCC PS-PDUs of one e-mail communication (ETSI TS 102 232-2).

    One instance per communication (one :class:`PSPDUBuilder`): the IRI of an SMTP, POP3,
    IMAP or webmail session and its content carry the same correlation identifiers.
    """

    __slots__ = ("events", "formats", "protocols", "statuses")

    def __init__(self, builder: PSPDUBuilder) -> None:
        super().__init__(builder, "EmailPDU", "emailIRIObjId", "emailCCObjId")
        spec = builder.spec
        self.events: tuple[str, ...] = enum_names(spec, "EmailPDU.E-mail-Event")
        """The ``eventType`` items of the specification (TS 102 232-2 E-mail-Event)."""
        self.protocols: tuple[str, ...] = enum_names(spec, "EmailPDU.E-mail-Protocol")
        """The ``protocol-ID`` items (TS 102 232-2 E-mail-Protocol)."""
        self.statuses: tuple[str, ...] = enum_names(spec, "EmailPDU.E-mail-Status")
        """The ``status`` items (TS 102 232-2 E-mail-Status)."""
        self.formats: tuple[str, ...] = enum_names(spec, "EmailPDU.Email-Format")
        """The EmailCC ``email-Format`` items (TS 102 232-2 Email-Format)."""

    def iri(
        self,
        event: str,
        *,
        protocol: str,
        status: str = "status-unknown",
        server_octets_sent: int = 0,
        client_octets_sent: int = 0,
        client_address: Address | None = None,
        server_address: Address | None = None,
        client_port: int | None = None,
        server_port: int | None = None,
        sender: str | None = None,
        recipients: Sequence[str] | None = None,
        total_recipient_count: int | None = None,
        message_id: bytes | str | None = None,
        national_parameter: bytes | None = None,
        sender_validity: str | None = None,
        aaa_information: tuple[str, Any] | None = None,
        iri_type: str | None = None,
        time: int | datetime | None = None,
        **more: Any,
    ) -> bytes:
        """A PS-PDU with an EmailIRI (TS 102 232-2, ASN.1 ``EmailIRI``).

        ``event`` is the ``eventType`` (``"e-mail-send"``, ``"e-mail-receive"``,
        ``"e-mail-download"``, ``"e-mail-logon"``, …), ``protocol`` the ``protocol-ID``
        (``"smtp"``, ``"pop3"``, ``"imap4"``, ``"webmail"``, ``"undefined"``), ``status`` the
        ``status`` of the operation. ``server_octets_sent``/``client_octets_sent`` are the
        octets each side sent during the event (mandatory in the module; 0 when not counted).
        Addresses are text, ``ipaddress`` objects or IPAddress values; ports 0..65535.
        ``sender`` (``e-mail-Sender``) and each of ``recipients`` (``e-mail-Recipients``) are
        addresses of at most 255 characters, at most 1023 recipients; ``message_id`` is the
        Message-ID (a ``str`` is written as UTF-8); ``sender_validity`` is ``"validated"`` or
        ``"nonvalidated"``; ``aaa_information`` an ``AAAInformation`` value such as
        ``("pOP3AAAInformation", {"username": "bob"})``. ``more`` are further EmailIRI members
        by their ASN.1 names, e.g. ``**{"national-EM-ASN1parameters": {"countryCode": "DE"}}``.
        """
        contents: dict[str, Any] = {
            "emailIRIObjId": self.iri_obj_id,
            "eventType": check_name(event, self.events, "eventType",
                                     "TS 102 232-2 E-mail-Event"),
        }
        if client_address is not None:
            contents["client-Address"] = address(client_address, "client-Address")
        if server_address is not None:
            contents["server-Address"] = address(server_address, "server-Address")
        if client_port is not None:
            contents["client-Port"] = integer(client_port, "client-Port", 0, _PORT_MAX,
                                               "TS 102 232-2 EmailIRI, a TCP port")
        if server_port is not None:
            contents["server-Port"] = integer(server_port, "server-Port", 0, _PORT_MAX,
                                               "TS 102 232-2 EmailIRI, a TCP port")
        contents["server-Octets-Sent"] = integer(server_octets_sent, "server-Octets-Sent", 0,
                                                  None, "TS 102 232-2 EmailIRI, a count")
        contents["client-Octets-Sent"] = integer(client_octets_sent, "client-Octets-Sent", 0,
                                                  None, "TS 102 232-2 EmailIRI, a count")
        contents["protocol-ID"] = check_name(protocol, self.protocols, "protocol-ID",
                                              "TS 102 232-2 E-mail-Protocol")
        if sender is not None:
            contents["e-mail-Sender"] = sender
        if recipients is not None:
            if isinstance(recipients, (str, bytes)) or not isinstance(recipients, Sequence):
                raise EncodeError(
                    "e-mail-Recipients must be a list of addresses "
                    "(TS 102 232-2 E-mail-Address-List)",
                    "e-mail-Recipients",
                )
            contents["e-mail-Recipients"] = list(recipients)
        contents["status"] = check_name(status, self.statuses, "status",
                                         "TS 102 232-2 E-mail-Status")
        if total_recipient_count is not None:
            contents["total-Recipient-Count"] = integer(
                total_recipient_count, "total-Recipient-Count", 0, _COUNT_MAX,
                "TS 102 232-2 EmailIRI INTEGER (0..4294967295)")
        if message_id is not None:
            contents["message-ID"] = octets(message_id, "message-ID", text=True)
        if national_parameter is not None:
            contents["nationalParameter"] = octets(national_parameter, "nationalParameter")
        if aaa_information is not None:
            contents["aAAInformation"] = aaa_information
        if sender_validity is not None:
            contents["e-mail-Sender-Validity"] = sender_validity
        for name, value in more.items():
            if name in contents:
                raise EncodeError(f"{name} is set by a parameter of EmailRecords.iri; give it "
                                  "there, not in more", name)
            contents[name] = value
        # Lengths of e-mail-Sender / e-mail-Recipients and the remaining members are checked
        # by the encoder, which names the member in the error's path.
        return iri_pdu(self.builder, ("emailIRI", contents), iri_type=iri_type, time=time)

    def cc(
        self,
        content: bytes,
        *,
        email_format: str = "application",
        direction: str | None = None,
        time: int | datetime | None = None,
    ) -> bytes:
        """A PS-PDU with an EmailCC (TS 102 232-2, ASN.1 ``EmailCC``).

        ``content`` is the intercepted content: the e-mail message (RFC 5322) or protocol
        exchange for ``email_format="application"``, one IP packet for ``"ip-packet"``.
        ``direction`` is the CCPayload ``payloadDirection`` (``None``: left out).
        """
        try:
            emit = self._cc[(email_format, direction)]
        except (KeyError, TypeError):  # new, or unhashable and about to be refused
            emit = self._cc_encoder(email_format, direction)
        return emit(content, time)

    def _cc_encoder(self, email_format: object, direction: object) -> Callable[..., bytes]:
        fmt = check_name(email_format, self.formats, "email-Format",
                          "TS 102 232-2 Email-Format")
        cc: dict[str, Any] = {
            "cCContents": ("emailCC", {"emailCCObjId": self.cc_obj_id, "email-Format": fmt,
                                       "content": Hole("content")}),
        }
        if direction is not None:
            cc["payloadDirection"] = check_name(direction, DIRECTIONS, "payloadDirection",
                                                 "TS 102 232-1 PayloadDirection")
        emit = self.builder.content_encoder(("emailCC", fmt, direction),
                                            ("cCPayloadSequence", [cc]), field="content")
        self._cc[(email_format, direction)] = emit
        return emit
