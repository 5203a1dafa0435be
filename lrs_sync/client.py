"""The portal's client for the LRS web services, configured from settings (`settings/lrs.py`).

`lrs_client()` gives a client for the configured endpoints. An endpoint starting `wsgi://` is this
portal's own sandpit reached in-process (tests); `http(s)://` goes over the network with the
configured timeout and, when set, the client certificate the LRS issued (mutual TLS).

Transient faults (timeouts, refused connections, 5xx without a SOAP fault) are retried with
back-off and then raise LrsUnavailable; a SOAP fault raises LrsFault, refused credentials
LrsCredentialsRefused. The password travels only in the request body: it is never logged and is
scrubbed from every message this module raises.
"""

from __future__ import annotations

import logging
import ssl
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import httpx
from django.conf import settings
from lxml import etree

from . import envelopes
from .envelopes import Credentials, UnexpectedAnswer
from .soap import (
    CONTENT_TYPE,
    SoapFault,
    SoapMessageError,
    body_payload,
    contract_errors,
    envelope,
    fault_from_payload,
)
from .verification_types import (
    LearnerToVerify,
    LrsCredentialsRefused,
    LrsError,
    LrsFault,
    LrsUnavailable,
    VerifiedLearner,
    VerifyBatchOutput,
)

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The MIAPAPIException ErrorCode for refused credentials. The LRS does not publish its code for
# this; the sandpit answers WSEC0002, and decision 0100 lists it among what to confirm against the
# LRS's own test service before go-live. HTTP 401/403 (e.g. a refused certificate) count too.
CREDENTIALS_REFUSED_ERROR_CODES = frozenset({"WSEC0002"})

DEFAULT_ATTEMPTS = 3
DEFAULT_BACKOFF_SECONDS = 0.5


class InProcessPortalApp:
    """This portal's WSGI application, called in the caller's thread and database connection.

    Django closes "old" connections when a request starts and finishes; in-process that would be
    the caller's own connection (and, in tests, its transaction), so those two signal handlers
    are held back for the call, as Django's test client does.
    """

    def __init__(self) -> None:
        from django.core.handlers.wsgi import WSGIHandler

        self.handler = WSGIHandler()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        from django.core.signals import request_finished, request_started
        from django.db import close_old_connections

        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        try:
            response = self.handler(environ, start_response)
            try:
                content = b"".join(response)
            finally:
                close = getattr(response, "close", None)
                if close:
                    close()
            return [content]
        finally:
            request_started.connect(close_old_connections)
            request_finished.connect(close_old_connections)


@dataclass(frozen=True)
class Endpoint:
    """Where one LRS service answers, and how to reach it."""

    url: str  # as the HTTP client sees it
    in_process: bool

    @classmethod
    def from_setting(cls, value: str, *, setting_name: str) -> Endpoint:
        if not value:
            raise LrsError(f"The LRS is not configured: {setting_name} is empty.")
        parts = urlsplit(value)
        if parts.scheme == "wsgi":
            return cls(
                url=urlunsplit(("http", parts.netloc, parts.path, parts.query, "")), in_process=True
            )
        if parts.scheme in {"http", "https"}:
            return cls(url=value, in_process=False)
        raise LrsError(f"{setting_name} must start with https://, http:// or wsgi://.")


class LrsClient:
    """Calls the LRS LearnerService verification operations; see the module docstring."""

    def __init__(
        self,
        *,
        learner_endpoint: Endpoint,
        credentials: Credentials,
        timeout_seconds: float = 30.0,
        client_cert: str = "",
        client_key: str = "",
        attempts: int = DEFAULT_ATTEMPTS,
        backoff_seconds: float = DEFAULT_BACKOFF_SECONDS,
        wsgi_app: Callable[..., Iterable[bytes]] | None = None,
    ) -> None:
        self.learner_endpoint = learner_endpoint
        self.credentials = credentials
        self.timeout_seconds = timeout_seconds
        self.client_cert = client_cert
        self.client_key = client_key
        self.attempts = max(1, attempts)
        self.backoff_seconds = backoff_seconds
        # The WSGI application a wsgi:// endpoint reaches: this portal's own unless given.
        self.wsgi_app = wsgi_app
        self._http: dict[bool, httpx.Client] = {}

    # -- the operations ------------------------------------------------------------------------

    def verify_learner(self, learner: LearnerToVerify) -> VerifiedLearner:
        """verifyLearner: the LRS's answer for one learner (R-LRS-10)."""
        payload = self._build(lambda: envelopes.verify_learner_request(self.credentials, learner))
        answer = self._call(
            self.learner_endpoint, "verifyLearner", envelopes.SOAP_ACTION_VERIFY_LEARNER, payload
        )
        return self._read(answer, envelopes.verify_learner_answer)

    def submit_verify_batch(self, learners: Sequence[LearnerToVerify], *, notify_email: str) -> int:
        """submitVerifyBatch: hands the LRS a batch to verify and returns its job id."""
        if not learners:
            raise LrsError("A verification batch needs at least one learner.")
        payload = self._build(
            lambda: envelopes.submit_verify_batch_request(
                self.credentials, learners, notify_email=notify_email
            )
        )
        answer = self._call(
            self.learner_endpoint,
            "submitVerifyBatch",
            envelopes.SOAP_ACTION_SUBMIT_VERIFY_BATCH,
            payload,
        )
        return self._read(answer, envelopes.submit_verify_batch_answer)

    def get_verify_batch_output(self, job_id: int) -> VerifyBatchOutput:
        """getVerifyBatchOutput: "not ready" until the LRS has finished, then every learner."""
        payload = self._build(
            lambda: envelopes.get_verify_batch_output_request(self.credentials, job_id)
        )
        answer = self._call(
            self.learner_endpoint,
            "getVerifyBatchOutput",
            envelopes.SOAP_ACTION_GET_VERIFY_BATCH_OUTPUT,
            payload,
        )
        return self._read(answer, envelopes.get_verify_batch_output_answer)

    def close(self) -> None:
        for http in self._http.values():
            http.close()
        self._http.clear()

    def __enter__(self) -> LrsClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- plumbing ------------------------------------------------------------------------------

    def _scrub(self, text: str) -> str:
        password = self.credentials.password
        return text.replace(password, "[password withheld]") if password else text

    def _build(self, build: Callable[[], etree._Element]) -> etree._Element:
        try:
            payload = build()
        except ValueError as error:  # lxml refuses text XML cannot carry (e.g. control characters)
            raise LrsError(self._scrub(f"A value cannot be sent to the LRS: {error}")) from None
        errors = contract_errors(payload)
        if errors:
            raise LrsError(
                self._scrub(
                    "The request breaks the LRS contract, so it was not sent: "
                    + "; ".join(errors[:3])
                )
            )
        return payload

    def _read(self, payload: etree._Element, read: Callable[[etree._Element], T]) -> T:
        try:
            return read(payload)
        except UnexpectedAnswer as error:
            raise LrsError(self._scrub(str(error))) from None

    def _http_client(self, endpoint: Endpoint) -> httpx.Client:
        if endpoint.in_process not in self._http:
            if endpoint.in_process:
                app = self.wsgi_app or InProcessPortalApp()
                http = httpx.Client(transport=httpx.WSGITransport(app=app))
            else:
                verify: ssl.SSLContext | bool = True
                if self.client_cert:
                    context = ssl.create_default_context()
                    try:
                        context.load_cert_chain(self.client_cert, self.client_key or None)
                    except (OSError, ssl.SSLError) as error:
                        raise LrsError(
                            "The LRS client certificate (LRS_CLIENT_CERT, LRS_CLIENT_KEY) "
                            f"cannot be used: {error.strerror or error}"
                        ) from None
                    verify = context
                http = httpx.Client(timeout=self.timeout_seconds, verify=verify)
            self._http[endpoint.in_process] = http
        return self._http[endpoint.in_process]

    def _call(
        self, endpoint: Endpoint, operation: str, soap_action: str, payload: etree._Element
    ) -> etree._Element:
        """POSTs the envelope, retrying transient faults; the answer's body element, or raises."""
        content = envelope(payload)
        headers = {"Content-Type": CONTENT_TYPE, "SOAPAction": f'"{soap_action}"'}
        host = urlsplit(endpoint.url).netloc
        last_problem = ""
        for attempt in range(1, self.attempts + 1):
            started = time.monotonic()
            try:
                response = self._http_client(endpoint).post(
                    endpoint.url, content=content, headers=headers
                )
            except httpx.TimeoutException:
                last_problem = f"no answer within {self.timeout_seconds:g} seconds"
            except httpx.TransportError as error:
                last_problem = _transport_problem(error)
            else:
                logger.info(
                    "LRS %s to %s answered HTTP %s in %.2fs (attempt %s)",
                    operation,
                    host,
                    response.status_code,
                    time.monotonic() - started,
                    attempt,
                )
                answer = self._answer(response, operation)
                if answer is not None:
                    return answer
                last_problem = f"HTTP {response.status_code}"
            logger.warning(
                "LRS %s to %s failed (attempt %s of %s): %s",
                operation,
                host,
                attempt,
                self.attempts,
                last_problem,
            )
            if attempt < self.attempts and self.backoff_seconds:
                time.sleep(self.backoff_seconds * 2 ** (attempt - 1))
        raise LrsUnavailable(
            f"The LRS could not be reached at {host} for {operation} after {self.attempts} "
            f"attempts ({last_problem}). Try again later."
        )

    def _answer(self, response: httpx.Response, operation: str) -> etree._Element | None:
        """The body element of a usable answer; None for a transient fault worth retrying."""
        status = response.status_code
        if status in (401, 403):
            raise LrsCredentialsRefused(
                f"The LRS refused the connection for {operation} (HTTP {status}): check the "
                "organisation's credentials and client certificate "
                "(LRS_USERNAME, LRS_PASSWORD, LRS_CLIENT_CERT).",
                code=f"HTTP{status}",
            )
        try:
            payload = body_payload(response.content)
        except SoapMessageError:
            if status >= 500:
                return None  # a proxy's error page or a service restarting: try again
            raise LrsError(
                f"The LRS answered {operation} with HTTP {status} and no SOAP message; "
                "check the LRS endpoint setting."
            ) from None
        fault = fault_from_payload(payload)
        if fault is not None:
            raise self._fault_error(fault, operation)
        if status >= 400:
            raise LrsError(f"The LRS answered {operation} with HTTP {status}.")
        return payload

    def _fault_error(self, fault: SoapFault, operation: str) -> LrsFault:
        cause = fault.description or fault.faultstring or "no reason given"
        code = fault.error_code or fault.faultcode
        if fault.error_code in CREDENTIALS_REFUSED_ERROR_CODES:
            return LrsCredentialsRefused(
                self._scrub(
                    f"The LRS refused the organisation's credentials for {operation} "
                    f"(organisation {self.credentials.organisation_ref}, "
                    f"user {self.credentials.username}): "
                    f"{cause} [{code}]. Check LRS_ORGANISATION_REF, LRS_USERNAME and LRS_PASSWORD."
                ),
                code=fault.error_code,
                detail=self._scrub(fault.further_details),
            )
        return LrsFault(
            self._scrub(f"The LRS refused {operation}: {cause} [{code}]"),
            code=code,
            detail=self._scrub(fault.further_details),
        )


def _transport_problem(error: httpx.TransportError) -> str:
    if isinstance(error, httpx.ConnectError):
        return "connection refused or host unreachable"
    return type(error).__name__


def lrs_client(*, attempts: int | None = None, backoff_seconds: float | None = None) -> LrsClient:
    """A client for the LRS configured in settings (LRS_* from the environment)."""
    return LrsClient(
        learner_endpoint=Endpoint.from_setting(
            settings.LRS_ENDPOINT_LEARNER, setting_name="LRS_ENDPOINT_LEARNER"
        ),
        credentials=Credentials(
            organisation_ref=settings.LRS_ORGANISATION_REF,
            ukprn=settings.LRS_UKPRN,
            username=settings.LRS_USERNAME,
            password=settings.LRS_PASSWORD,
        ),
        timeout_seconds=settings.LRS_TIMEOUT_SECONDS,
        client_cert=settings.LRS_CLIENT_CERT,
        client_key=settings.LRS_CLIENT_KEY,
        attempts=attempts
        if attempts is not None
        else getattr(settings, "LRS_RETRY_ATTEMPTS", DEFAULT_ATTEMPTS),
        backoff_seconds=(
            backoff_seconds
            if backoff_seconds is not None
            else getattr(settings, "LRS_RETRY_BACKOFF_SECONDS", DEFAULT_BACKOFF_SECONDS)
        ),
    )
