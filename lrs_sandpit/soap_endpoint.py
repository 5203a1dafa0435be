"""The one shape of the sandpit's SOAP endpoints (LearnerService, ExternalService,
LearnerServiceR9): SOAP 1.1 by POST as text/xml, the body read as a stream, and a SOAP fault,
never an HTML error page, when the sandpit itself fails, as the LRS answers."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

from lrs_sync.soap import CONTENT_TYPE, MAX_MESSAGE_BYTES

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SoapAnswer:
    """What a service answers to one request: the HTTP status and the SOAP envelope."""

    status: int
    content: bytes


# A service: (message, content type, SOAPAction header) -> its answer.
SoapService = Callable[[bytes, str, str | None], SoapAnswer]


def soap_endpoint_response(
    request: HttpRequest,
    *,
    service_name: str,
    service: SoapService,
    server_fault: Callable[[], SoapAnswer] | None,
) -> HttpResponse:
    """Answer one request to a service. Anything but POST is told how to call it (405). A
    failure inside the sandpit answers the service's own server fault where it has one."""
    if request.method != "POST":
        response = HttpResponse(
            f"{service_name} answers SOAP 1.1 requests sent by POST as text/xml.\n",
            content_type="text/plain; charset=utf-8",
            status=405,
        )
        response["Allow"] = "POST"
        return response
    # Read the stream ourselves: a large batch is bigger than Django's form-data limit.
    message = request.read(MAX_MESSAGE_BYTES + 1)
    content_type, action = request.content_type or "", request.headers.get("SOAPAction")
    if server_fault is None:
        answer = service(message, content_type, action)
    else:
        try:
            answer = service(message, content_type, action)
        except Exception:
            logger.exception("The LRS sandpit could not answer a %s request", service_name)
            answer = server_fault()
    return HttpResponse(answer.content, status=answer.status, content_type=CONTENT_TYPE)
