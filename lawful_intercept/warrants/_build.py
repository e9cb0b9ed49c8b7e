"""Building a warrant request: a CREATE of an authorisation, its LI task and (optionally) the
warrant document, the usual content of an HI-1 request that starts an interception
(TS 103 120 clauses 6.4.3, 7.2, 7.3, 8.2)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import datetime

from .._checks import require_instance
from . import _model as model

__all__ = ["warrant_request"]


def warrant_request(*, liid: str, targets: Sequence[model.TargetIdentifierValue],
                    destinations: Sequence[model.DeliveryDestination], start: datetime,
                    end: datetime, now: datetime, sender: model.EndpointID,
                    receiver: model.EndpointID,
                    delivery_type: model.DeliveryType = model.DeliveryType.IRI_AND_CC,
                    authorisation_reference: str = "W000001",
                    document: bytes | None = None, document_type: str = "application/pdf",
                    is_test: bool = False,
                    status: model.AuthorisationStatus = model.AuthorisationStatus.APPROVED,
                    ) -> model.HI1Message:
    """An unsigned HI-1 request creating an authorisation (``status``, valid from ``start`` to
    ``end``), an LI task with ``liid``, ``targets`` and ``destinations`` associated with it,
    and, when ``document`` is given, the warrant document (its SHA-256 as checksum). Fresh
    UUIDs identify the transaction and the objects; approve it with :func:`approve`, then
    sign it with :func:`sign_message`."""
    for name, value in (("start", start), ("end", end), ("now", now)):
        require_instance(value, datetime, name)
        if value.tzinfo is None:
            raise ValueError(f"{name} must be a timezone-aware datetime")
    if end <= start:
        raise ValueError("end must be after start")
    if not targets:
        raise ValueError("targets must name at least one target")
    if not destinations:
        raise ValueError("destinations must name at least one delivery destination")
    auth_id, task_id, doc_id = (str(uuid.uuid4()) for _ in range(3))
    flags = (model.AuthorisationFlag.IS_TEST.entry,) if is_test else None
    authorisation = model.AuthorisationObject(
        object_identifier=auth_id, country_code=sender.country_code,
        owner_identifier=sender.unique_identifier, generation=1,
        associated_objects=(doc_id,) if document is not None else None,
        reference=authorisation_reference, status=status.entry,
        timespan=model.Timespan(start, end), creation_timestamp=now.replace(microsecond=0),
        flags=flags)
    task = model.LITaskObject(
        object_identifier=task_id, country_code=sender.country_code,
        owner_identifier=sender.unique_identifier, generation=1, associated_objects=(auth_id,),
        reference=liid, targets=tuple(targets), delivery_type=delivery_type.entry,
        delivery_details=tuple(destinations), cspid=receiver,
        flags=(model.TaskFlag.IS_TEST.entry,) if is_test else None)
    objects: list[model.AuthorisationObject | model.LITaskObject | model.DocumentObject] = []
    if document is not None:
        objects.append(model.DocumentObject(
            object_identifier=doc_id, country_code=sender.country_code,
            owner_identifier=sender.unique_identifier, generation=1,
            reference=authorisation_reference, timespan=model.Timespan(start, end),
            document_type=model.DictionaryEntry("ETSI", "DocumentType", "Warrant"),
            body=model.DocumentBody(document, document_type, hashlib.sha256(document).hexdigest(),
                                    "SHA256")))
    objects += [authorisation, task]
    actions = tuple(model.ActionRequest(i, model.CREATERequest(obj))
                    for i, obj in enumerate(objects))
    header = model.MessageHeader(sender, receiver, str(uuid.uuid4()), now)
    return model.HI1Message(header, model.RequestPayload(actions))
