"""The client for event data challenges at the LRS (LRS_ENDPOINT_R9).

`create` and `list` are LearnerServiceR9's CreateDataChallenge and ListDataChallenge as the
contract gives them; `feed` and `report_status` are the sandpit's own operations (decision 0140),
which stand in for what the real LRS shows and takes in its portal. Every request is validated
against the portal's LRS XSD before it is sent. Fetching and reporting are safe to repeat, so a
transient fault is simply raised (LrsUnavailable) for the caller's task to retry later.
"""

from __future__ import annotations

import datetime

import httpx
from django.conf import settings
from lxml import etree

from . import challenge_envelopes as env
from . import challenge_feed_envelopes as feed_xml
from .client import Endpoint, InProcessPortalApp
from .soap import SoapMessageError, body_payload, contract_errors, envelope
from .verification_types import LrsCredentialsRefused, LrsError, LrsFault, LrsUnavailable

CREDENTIAL_FAULTS = ("EDC002",)


def credentials_from_settings() -> env.Credentials:
    return env.Credentials(
        organisation_ref=settings.LRS_ORGANISATION_REF,
        ukprn=settings.LRS_UKPRN,
        user_name=settings.LRS_USERNAME,
        password=settings.LRS_PASSWORD,
    )


class ChallengeClient:
    def __init__(
        self, *, endpoint: str | None = None, credentials: env.Credentials | None = None
    ) -> None:
        self.endpoint = Endpoint.from_setting(
            endpoint or settings.LRS_ENDPOINT_R9, setting_name="LRS_ENDPOINT_R9"
        )
        self.credentials = credentials or credentials_from_settings()

    def _scrub(self, text: str) -> str:
        password = self.credentials.password
        return text.replace(password, "[password withheld]") if password else text

    def _http(self) -> httpx.Client:
        if self.endpoint.in_process:
            return httpx.Client(transport=httpx.WSGITransport(app=InProcessPortalApp()))
        verify: object = True
        if settings.LRS_CLIENT_CERT:
            import ssl

            context = ssl.create_default_context()
            context.load_cert_chain(settings.LRS_CLIENT_CERT, settings.LRS_CLIENT_KEY or None)
            verify = context
        return httpx.Client(timeout=settings.LRS_TIMEOUT_SECONDS, verify=verify)  # type: ignore[arg-type]

    def _call(self, operation: str, payload: etree._Element) -> etree._Element:
        errors = contract_errors(payload)
        if errors:
            raise LrsError(self._scrub(f"The {operation} request breaks the contract: {errors[0]}"))
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"{env.soap_action(operation)}"',
        }
        try:
            with self._http() as client:
                response = client.post(
                    self.endpoint.url, content=envelope(payload), headers=headers
                )
        except httpx.HTTPError as error:
            raise LrsUnavailable(
                f"The LRS could not be reached for {operation} ({type(error).__name__})."
            ) from error
        if response.status_code in (401, 403):
            raise LrsCredentialsRefused(
                f"The LRS refused the connection for {operation} (HTTP {response.status_code}).",
                code=f"HTTP{response.status_code}",
            )
        try:
            answer = body_payload(response.content)
        except SoapMessageError as error:
            raise LrsUnavailable(
                f"The LRS answered {operation} with HTTP {response.status_code} and no SOAP "
                "message."
            ) from error
        fault = env.read_domain_fault(answer)
        if fault is not None:
            text = self._scrub(fault.error_detail or fault.faultstring or "no reason given")
            if fault.error_code in CREDENTIAL_FAULTS:
                raise LrsCredentialsRefused(
                    f"The LRS refused the organisation's credentials for {operation}: {text} "
                    "Check LRS_ORGANISATION_REF, LRS_USERNAME and LRS_PASSWORD.",
                    code=fault.error_code,
                )
            if fault.faultcode.endswith("Server"):
                raise LrsUnavailable(f"The LRS failed to answer {operation}: {text}")
            raise LrsFault(f"The LRS refused {operation}: {text}", code=fault.error_code)
        return answer

    # -- LearnerServiceR9, as the contract gives it ---------------------------------------------

    def create(self, challenge: env.ChallengeToCreate) -> env.CreateAnswer:
        answer = self._call(env.CREATE, env.create_request(self.credentials, challenge))
        try:
            return env.read_create_response(answer)
        except ValueError as error:
            raise LrsError(str(error)) from error

    def list_challenges(
        self,
        *,
        uln: str,
        created_start: datetime.datetime | None = None,
        created_end: datetime.datetime | None = None,
    ) -> list[env.ListItem]:
        payload = env.list_request(
            self.credentials, uln=uln, created_start=created_start, created_end=created_end
        )
        return env.read_list_response(self._call(env.LIST, payload))

    # -- the sandpit's own feed (decision 0140) --------------------------------------------------

    def feed(self, *, created_since: datetime.datetime | None) -> list[feed_xml.FedChallenge]:
        payload = feed_xml.feed_list_request(self.credentials, created_since=created_since)
        answer = self._call(env.FEED_LIST, payload)
        try:
            return feed_xml.read_feed_list_response(answer)
        except ValueError as error:
            raise LrsError(f"The LRS's list of challenges could not be read: {error}") from error

    def report_status(self, *, reference: str, status: str, comments: str) -> str:
        payload = feed_xml.resolve_request(
            self.credentials, reference=reference, status=status, comments=comments
        )
        code, description = feed_xml.read_resolve_response(self._call(env.FEED_RESOLVE, payload))
        return description or code
