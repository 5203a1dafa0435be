"""The client for the LRS ExternalService: submit an achievement batch and read its job.

It reaches the LRS the way `lrs_sync.client` does (the same endpoint settings, in-process
sandpit, client certificate), but its retry policy differs on purpose: a batch must never be sent
twice, so what went wrong is told apart. `LrsUnavailable` means the request cannot have reached
the LRS (nothing was sent; send again later), `LrsOutcomeUnknown` that it may have (never send
again by itself), `LrsFault` that the LRS answered with a DomainFault. Every request is
validated against the portal's XSD before it leaves; the password is scrubbed from messages.
"""

from __future__ import annotations

import logging
import ssl

import httpx
from django.conf import settings
from lxml import etree

from .achievement_envelopes import (
    GET_JOB,
    SUBMIT,
    BatchJob,
    Credentials,
    EnvelopeError,
    body_payload,
    contract_errors,
    envelope,
    get_job_request,
    read_fault,
    read_job_response,
    read_submit_response,
    soap_action,
    with_invoking_user,
)
from .client import Endpoint, InProcessPortalApp
from .verification_types import LrsCredentialsRefused, LrsError, LrsFault, LrsUnavailable

logger = logging.getLogger(__name__)
# The DomainFault ErrorCode the sandpit answers for refused credentials (decision 0124).
CREDENTIAL_FAULTS = ("AUTH001",)


class LrsOutcomeUnknown(LrsError):
    """The request may have reached the LRS but no answer came back: do not send it again."""


def credentials_from_settings() -> Credentials:
    return Credentials(
        organisation_ref=settings.LRS_ORGANISATION_REF,
        user_name=settings.LRS_USERNAME,
        password=settings.LRS_PASSWORD,
    )


class ExternalServiceClient:
    def __init__(
        self,
        *,
        endpoint: str | None = None,
        credentials: Credentials | None = None,
        timeout: float | None = None,
    ) -> None:
        self.endpoint = Endpoint.from_setting(
            endpoint or settings.LRS_ENDPOINT_EXTERNAL, setting_name="LRS_ENDPOINT_EXTERNAL"
        )
        self.credentials = credentials or credentials_from_settings()
        self.timeout = timeout or settings.LRS_TIMEOUT_SECONDS

    def _scrub(self, text: str) -> str:
        password = self.credentials.password
        return text.replace(password, "[password withheld]") if password else text

    def _http(self) -> httpx.Client:
        if self.endpoint.in_process:
            return httpx.Client(
                transport=httpx.WSGITransport(app=InProcessPortalApp()), timeout=self.timeout
            )
        verify: ssl.SSLContext | bool = True
        if settings.LRS_CLIENT_CERT:
            context = ssl.create_default_context()
            context.load_cert_chain(settings.LRS_CLIENT_CERT, settings.LRS_CLIENT_KEY or None)
            verify = context
        return httpx.Client(timeout=self.timeout, verify=verify)

    def _call(self, operation: str, payload: etree._Element) -> etree._Element:
        errors = contract_errors(payload)
        if errors:
            raise LrsError(f"The {operation} request breaks the contract: {errors[0]}")
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"{soap_action(operation)}"',
        }
        with self._http() as client:
            try:
                response = client.post(
                    self.endpoint.url, content=envelope(payload), headers=headers
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                raise LrsUnavailable(f"The LRS could not be reached: {error}") from error
            except httpx.HTTPError as error:
                raise LrsOutcomeUnknown(
                    f"No answer from the LRS to {operation} ({type(error).__name__})."
                ) from error
        if response.status_code in (401, 403):
            raise LrsCredentialsRefused(
                f"The LRS refused the connection for {operation} (HTTP {response.status_code}).",
                code=f"HTTP{response.status_code}",
            )
        try:
            answer = body_payload(response.content)
        except EnvelopeError as error:
            raise LrsOutcomeUnknown(
                f"The LRS answered {operation} with HTTP {response.status_code} and no SOAP "
                f"message: {error}"
            ) from error
        fault = read_fault(answer)
        if fault is not None:
            message = self._scrub(
                fault.error_detail or fault.faultstring or "The LRS refused the request."
            )
            if fault.error_code.upper() in CREDENTIAL_FAULTS:
                raise LrsCredentialsRefused(message, code=fault.error_code, detail=message)
            raise LrsFault(message, code=fault.error_code, detail=message)
        return answer

    def submit_achievement_batch(self, *, payload: bytes) -> int:
        """SubmitAchievementBatchJob; the LRS's job id."""
        request = with_invoking_user(payload, self.credentials)
        answer = self._call(SUBMIT, request)
        try:
            return read_submit_response(answer)
        except ValueError as error:
            raise LrsOutcomeUnknown(str(error)) from error

    def get_achievement_batch_job(self, job_id: int) -> BatchJob:
        """GetAchievementBatchJob: the job's status, counters and error file."""
        answer = self._call(GET_JOB, get_job_request(job_id=job_id, credentials=self.credentials))
        try:
            return read_job_response(answer)
        except ValueError as error:
            raise LrsUnavailable(f"The LRS's job answer could not be read: {error}") from error
